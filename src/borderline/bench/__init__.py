"""Evaluation, generators and benchmarks beside the product."""
