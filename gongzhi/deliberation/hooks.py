"""Callbacks other apps register to react to the deliberation corner, so that this app never imports
them (cases may call deliberation, not the other way round).

`register_result_done(callback)`: callback(*, topic, result, actor) runs inside the transaction that
marks a result done; cases registers one that resolves the case the topic was escalated from."""

from collections.abc import Callable

_result_done: list[Callable] = []


def register_result_done(callback: Callable) -> None:
    if callback not in _result_done:
        _result_done.append(callback)


def result_done(*, topic, result, actor) -> None:
    for callback in list(_result_done):
        callback(topic=topic, result=result, actor=actor)
