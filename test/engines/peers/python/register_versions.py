"""Trains one scikit-learn sentiment model per review set and registers each as a version of a
workspace-registry model (a name without dots) on an MLflow tracking server, through the MLflow client.

The text handling, held-out split and metrics are train.py's own (resources/pyspark/train.py), so the
versions mean what the training job's versions mean; only the reviews come from a JSON file instead of
Silver. Usage: register_versions.py TRAIN_PY MODEL_NAME REVIEWS.json [REVIEWS.json ...]
(MLFLOW_TRACKING_URI names the server). Prints [{"version", "run_id", "metrics"}] in registration order.
"""

import importlib.util
import json
import sys

import mlflow
from mlflow import MlflowClient
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline


def load_train_module(path):
    spec = importlib.util.spec_from_file_location("train", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def fit(train, reviews, seed=42, test_fraction=0.2):
    labelled = [(r["text"], train.label_from_rating(r["rating"])) for r in reviews]
    labelled = [(text, label) for text, label in labelled if label is not None]
    texts = [text for text, _ in labelled]
    labels = [label for _, label in labelled]
    held_out = train.held_out_mask(texts, labels, seed, test_fraction)
    pick = lambda values, keep: [v for v, h in zip(values, held_out) if h == keep]  # noqa: E731
    pipeline = Pipeline(
        [
            ("tfidf", TfidfVectorizer(lowercase=False, token_pattern=r"[^\t]+", min_df=2, sublinear_tf=True)),
            ("logreg", LogisticRegression(C=4.0, tol=1e-4, max_iter=1000)),
        ]
    )
    pipeline.fit(train.featurise(pick(texts, False)), pick(labels, False))
    test_texts, test_labels = pick(texts, True), pick(labels, True)
    scores = pipeline.predict_proba(train.featurise(test_texts))[:, 1].tolist()
    metrics = {**train.evaluate(test_labels, scores), "n_train": len(texts) - len(test_texts), "n_test": len(test_texts)}
    return pipeline, metrics


def main(argv):
    train_py, model_name, *review_files = argv
    train = load_train_module(train_py)
    mlflow.set_experiment("/Shared/lakectl/sentiment")
    client = MlflowClient()
    registered = []
    for path in review_files:
        with open(path, encoding="utf-8") as handle:
            pipeline, metrics = fit(train, json.load(handle))
        with mlflow.start_run(run_name=f"peers-{len(registered) + 1}") as run:
            mlflow.log_params({"algorithm": "logistic_regression", "C": 4.0, "reviews": path.rsplit("/", 1)[-1]})
            mlflow.log_metrics(metrics)
            info = mlflow.sklearn.log_model(pipeline, artifact_path="model")
        version = mlflow.register_model(info.model_uri, model_name).version
        if client.get_model_version(model_name, version).status != "READY":
            raise SystemExit(f"version {version} of {model_name} is not READY")
        registered.append({"version": int(version), "run_id": run.info.run_id, "metrics": metrics})
    print(json.dumps(registered))


if __name__ == "__main__":
    main(sys.argv[1:])
