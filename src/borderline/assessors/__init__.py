"""Built-in assessors that need no reference data: order consistency and block/allow lists."""
