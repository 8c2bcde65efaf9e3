def train(x: int) -> None:
    print(x)
