"""Model steps of examples/python_functions.mlp.

Output parameters (`accuracy`) are returned as a NamedTuple whose field names are
the output names in the .mlp file; artifacts are `Input[...]` / `Output[...]`
parameters.
"""

from typing import NamedTuple, Optional

from kfp.dsl import Dataset, Input, Metrics, Model, Output

def train_classifier(
    data: Input[Dataset],
    model: Output[Model],
    n_estimators: int = 100,
    max_depth: Optional[int] = None,
):
    """Fits a random forest that predicts `species` from the four measurements."""
    import joblib
    import pandas as pd
    from sklearn.ensemble import RandomForestClassifier

    features = ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g"]
    frame = pd.read_csv(data.path)
    forest = RandomForestClassifier(
        n_estimators=n_estimators, max_depth=max_depth, random_state=0
    )
    forest.fit(frame[features], frame["species"])
    joblib.dump(forest, model.path)
    model.metadata["framework"] = "scikit-learn"


def evaluate(
    model: Input[Model],
    data: Input[Dataset],
    metrics: Output[Metrics],
) -> NamedTuple("Outputs", [("accuracy", float)]):
    """Scores a model on held-out rows."""
    from collections import namedtuple

    import joblib
    import pandas as pd
    from sklearn.metrics import accuracy_score, f1_score

    features = ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g"]
    frame = pd.read_csv(data.path)
    forest = joblib.load(model.path)
    predicted = forest.predict(frame[features])
    accuracy = float(accuracy_score(frame["species"], predicted))
    metrics.log_metric("accuracy", accuracy)
    metrics.log_metric("macro_f1", float(f1_score(frame["species"], predicted, average="macro")))
    return namedtuple("Outputs", ["accuracy"])(accuracy)
