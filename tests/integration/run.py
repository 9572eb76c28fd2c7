"""Runs every integration test module (test_*.py) and prints one machine-readable line:
PYTHON-RESULT passed=N failed=M"""
import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

suite = unittest.defaultTestLoader.discover(HERE, pattern="test_*.py", top_level_dir=HERE)
result = unittest.TextTestRunner(verbosity=2, stream=sys.stdout).run(suite)
failed = len(result.failures) + len(result.errors) + len(result.unexpectedSuccesses)
passed = result.testsRun - failed - len(result.skipped)
print(f"PYTHON-RESULT passed={passed} failed={failed}")
sys.exit(1 if failed else 0)
