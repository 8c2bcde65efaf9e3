"""Python functions of the conformance cases. Their bodies are not compared
(the SDK embeds the function's source, mlpc the whole file), only their names
and how the component runs them."""
from typing import Dict, List, Optional


def add(a: float, b: float) -> float:
    return a + b


def add_numbers(a: int, b: int) -> int:
    return a + b


def add_one(x: int) -> int:
    return x + 1


def identity(value: str) -> str:
    return value


def exit_comp(status: dict):
    print(status)


def nested_return() -> List[Dict[str, str]]:
    return [{"A_a": "1", "B_b": "2"}, {"A_a": "10", "B_b": "20"}]


def output_metrics(metrics):
    metrics.log_metric("accuracy", 42)


def component_op(input1: str = "default value", input2: Optional[str] = None,
                 input3: Optional[str] = None):
    print(input1, input2, input3)


def flip_coin() -> str:
    return "heads"


def flip_coin_op() -> str:
    return "heads"


def print_and_return(text: str) -> str:
    print(text)
    return text


def print_op(msg: str):
    print(msg)


def print_op1(msg: str) -> str:
    print(msg)
    return msg


def print_msg(message: str):
    print(message)


def fail_op(message: str):
    raise SystemExit(message)


def print_text(msg: str):
    print(msg)


def print_struct(struct: dict):
    print(struct)


def print_int(x: int):
    print(x)


def args_generator_op() -> List[Dict[str, str]]:
    return [{"A_a": "1", "B_b": "2"}]


def double(num: int) -> int:
    return 2 * num


def print_env_op():
    import os
    print(os.environ.get("ENV1"), os.environ.get("ENV2"))


def comp():
    import os
    print(os.getenv("USER_NAME"))


def generate_secret_name(some_output):
    with open(some_output, "w") as f:
        f.write("secret")


def pass_through_op(value: str) -> str:
    return value


def preprocess(message, input_dict_parameter, input_list_parameter, output_dataset_one,
               output_dataset_two_path, output_parameter_path, output_bool_parameter_path,
               output_dict_parameter_path, output_list_parameter_path):
    pass


def train(dataset_one_path, dataset_two, message, model, input_bool, input_dict,
                input_list, num_steps=100):
    pass


def list_dict_maker_0():
    return [{"a": 1, "b": 2}]


def list_dict_maker_1():
    return [{"a": 1, "b": 2}]


def list_dict_maker_2():
    return [{"a": 1, "b": 2}]


def list_dict_maker_3():
    return [{"a": 1, "b": 2}]
