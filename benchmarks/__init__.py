"""The grader's own performance benchmarks (pytest-benchmark); run with ``scripts/bench``."""
