"""The adversarial suite shares the pipeline-test helpers of tests/ (``pipeline_project``)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
