"""The README's Python examples import names that exist."""

import ast
import re
from pathlib import Path

README = Path(__file__).parents[1] / "README.md"


def test_every_import_in_the_readme_examples_resolves():
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), re.S)
    assert blocks, "the README has no Python examples"
    imports = [
        ast.unparse(node)
        for block in blocks
        for node in ast.parse(block).body
        if isinstance(node, (ast.Import, ast.ImportFrom))
    ]
    assert imports
    for statement in imports:
        exec(statement, {})  # raises ImportError naming the missing name
