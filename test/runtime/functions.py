"""Python functions for the runtime tests: KFP lightweight components."""
from typing import NamedTuple

from kfp.dsl import Artifact, Dataset, Input, Output


def shout(data: Input[Artifact], loud: Output[Dataset], times: int = 2
) -> NamedTuple("Outputs", [("words", int)]):
    with open(data.path) as f:
        text = f.read()
    with open(loud.path, "w") as f:
        f.write(" ".join([text.upper()] * times))
    loud.metadata["times"] = times
    from collections import namedtuple
    return namedtuple("Outputs", ["words"])(times)


def fail_sometimes(marker: str) -> str:
    """Fails on the first attempt (no marker file yet), succeeds on the next."""
    import os
    if not os.path.exists(marker):
        open(marker, "w").close()
        raise SystemExit("first attempt fails on purpose")
    return "recovered"
