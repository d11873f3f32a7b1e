"""The core of the demo monorepo."""


def greet(name: str) -> str:
    return f"Hello, {name}!"
