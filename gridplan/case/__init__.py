"""Case files: schema, loading and validation."""

from gridplan.case.load import load_case, parse_case
from gridplan.case.schema import Case, value_in_year

__all__ = ["Case", "load_case", "parse_case", "value_in_year"]
