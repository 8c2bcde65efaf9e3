"""Picks the best of several models (an artifact list input), for control_flow.mlp."""


def pick(models, best):
    with open(best.path, "w") as out:
        out.write(models[0].uri)
