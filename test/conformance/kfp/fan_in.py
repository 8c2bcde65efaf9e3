"""The fan-in sum of parallelfor_fan_in_parameters_simple (its own file: `add` is taken)."""
from typing import List


def add(nums: List[int]) -> int:
    return sum(nums)
