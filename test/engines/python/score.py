"""Test side: scores review texts (a JSON array on stdin) with a registered model version, as JSON.

  MLFLOW_TRACKING_URI=... python score.py models:/lakehouse.ml.sentiment/1 < texts.json
"""
import json
import sys

import mlflow
import pandas as pd

model = mlflow.pyfunc.load_model(sys.argv[1])
texts = json.load(sys.stdin)
print(json.dumps([float(s) for s in model.predict(pd.DataFrame({"review_text": texts}))]))
