"""Feature steps of examples/dataflow.mlp (the `engineer_features` pipeline).

Each function is a KFP lightweight component: it imports what it needs inside its
body. Artifacts are `Input[...]` / `Output[...]` parameters named as in the .mlp file.
"""

from kfp.dsl import Dataset, Input, Output

def drop_incomplete(data: Input[Dataset], out: Output[Dataset]):
    """Drops the rows that miss a measurement."""
    import pandas as pd

    measurements = ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g"]
    frame = pd.read_csv(data.path, na_values=["NA"])
    frame = frame.dropna(subset=measurements)
    frame.to_csv(out.path, index=False)


def add_ratios(data: Input[Dataset], out: Output[Dataset]):
    """Adds the bill length/depth ratio and the body mass per millimetre of flipper."""
    import pandas as pd

    frame = pd.read_csv(data.path)
    frame["bill_ratio"] = frame["bill_length_mm"] / frame["bill_depth_mm"]
    frame["mass_per_flipper_mm"] = frame["body_mass_g"] / frame["flipper_length_mm"]
    frame.drop(columns=["island"]).to_csv(out.path, index=False)
