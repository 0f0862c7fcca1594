"""Collect csv_spectrum.py when the directory is run (`pytest tests/format`): its name does not match pytest's
default test_*.py pattern, and the suite is named after the npm package it checks against."""
import pytest


def pytest_collect_file(file_path, parent):
    if file_path.name == "csv_spectrum.py" and not parent.session.isinitpath(file_path):
        return pytest.Module.from_parent(parent, path=file_path)
    return None
