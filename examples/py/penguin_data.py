"""Data steps of examples/python_functions.mlp.

Each function is a KFP lightweight component: it imports what it needs inside its
body, because only the function's own source is shipped to the container.
Artifacts are `Input[...]` / `Output[...]` parameters named as in the .mlp file.
"""

from kfp.dsl import Dataset, Input, Output


def load_penguins(url: str, table: Output[Dataset]):
    """Reads the CSV at `url` and drops the rows that have a missing value."""
    import pandas as pd

    frame = pd.read_csv(url, na_values=["NA"])
    frame = frame.dropna()
    frame.to_csv(table.path, index=False)
    table.metadata["rows"] = len(frame)


def split_data(
    data: Input[Dataset],
    train: Output[Dataset],
    test: Output[Dataset],
    test_fraction: float = 0.2,
    seed: int = 42,
):
    """Splits the rows into a training and a test set, stratified by species."""
    import pandas as pd
    from sklearn.model_selection import train_test_split

    frame = pd.read_csv(data.path)
    train_rows, test_rows = train_test_split(
        frame, test_size=test_fraction, random_state=seed, stratify=frame["species"]
    )
    train_rows.to_csv(train.path, index=False)
    test_rows.to_csv(test.path, index=False)
