"""Fits are all or nothing: an estimator whose ``fit`` raises (bad input, or Ctrl-C stopping
the core) is left with exactly the attributes it had, never half of a new fit."""

from __future__ import annotations

import functools


def restores_state_on_error(fit):
    """Wraps a ``fit``-like method so that an exception restores the estimator's attributes."""

    @functools.wraps(fit)
    def wrapper(self, *args, **kwargs):
        before = dict(self.__dict__)
        try:
            return fit(self, *args, **kwargs)
        except BaseException:
            self.__dict__.clear()
            self.__dict__.update(before)
            raise

    return wrapper
