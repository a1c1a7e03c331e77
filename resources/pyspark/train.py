"""Databricks training job for lakectl's sentiment model (Databricks Runtime 15.4 LTS ML).

Reads labelled reviews from <catalog>.silver.customer_events_cleaned, fits TF-IDF + logistic
regression (scikit-learn), logs params and held-out metrics to an MLflow run, registers a new version
of the Unity Catalog model <catalog>.ml.<model>, waits until it is READY and points the alias
(`challenger` by default) at it. `lakectl model promote` then compares it with the champion.

It mirrors lakectl's local trainer (src/models/trainer.ts) so versions from either engine mean the same:
the same label rule (rating >= 4 positive, <= 2 negative, 3 excluded), the same tokenisation with
negation marking, the same seeded FNV-1a held-out split, the same C, tol and metric names.

Job parameters (spark_python_task): --catalog lakehouse --model-name sentiment
  --experiment-path /Shared/lakectl/sentiment [--alias challenger] [--C 4] [--seed 42] ...

Spark, MLflow and scikit-learn are imported inside main() so the text helpers can be imported (and
tested against the TypeScript trainer) without a Databricks runtime.
"""

import argparse
import json
import os
import re
import sys
import time

NEGATORS = frozenset({"not", "no", "never", "nor", "cannot", "without"})
NEGATION_PREFIX = "not_"
CLAUSE_BREAKS = frozenset(".,;:!?()")
# Runs of letters, digits and apostrophes (straight or typographic), or one clause-breaking mark.
TOKEN = re.compile(r"(?:[^\W_]|['\u2019])+|[.,;:!?()]")
# A character that cannot occur in a term: terms are joined with it for scikit-learn's tokenizer.
TERM_SEPARATOR = "\t"
LABEL_RULE = "rating >= 4 -> positive (1); rating <= 2 -> negative (0); rating 3 excluded"
SIMPLE_NAME = re.compile(r"^[A-Za-z0-9_]+$")


def label_from_rating(rating):
    """1 for rating 4-5, 0 for 1-2, None for 3 (neutral, not trained on) and anything invalid."""
    if rating is None or isinstance(rating, bool):
        return None
    try:
        value = float(rating)
    except (TypeError, ValueError):
        return None
    if not value.is_integer() or not 1 <= value <= 5 or value == 3:
        return None
    return 1 if value >= 4 else 0


def extract_terms(text, ngrams=2):
    """Lower-cased unigrams and in-clause bigrams; words after a negator, up to punctuation, get `not_`."""
    terms = []
    negated = False
    previous = None
    for raw in TOKEN.findall(text.lower()):
        if raw in CLAUSE_BREAKS:
            negated = False
            previous = None
            continue
        word = raw.strip("'\u2019").replace("\u2019", "'")
        if not word:
            continue
        term = NEGATION_PREFIX + word if negated else word
        terms.append(term)
        if ngrams == 2 and previous is not None:
            terms.append(previous + " " + term)
        previous = term
        if word in NEGATORS or word.endswith("n't"):
            negated = True
    return terms


def fnv1a32(text):
    """32-bit FNV-1a over UTF-8 bytes, as the TypeScript trainer computes it."""
    value = 0x811C9DC5
    for byte in text.encode("utf-8"):
        value = ((value ^ byte) * 0x01000193) & 0xFFFFFFFF
    return value


def held_out_mask(texts, labels, seed, test_fraction):
    """Hold out reviews whose seeded text hash falls below test_fraction; keep both classes on both sides."""
    hashes = [fnv1a32(f"{seed}:{text}") for text in texts]
    held_out = [h / 2**32 < test_fraction for h in hashes]
    for label in (1, 0):
        by_hash = sorted((i for i, y in enumerate(labels) if y == label), key=lambda i: hashes[i])
        if not any(held_out[i] for i in by_hash):
            held_out[by_hash[0]] = True
        if all(held_out[i] for i in by_hash):
            held_out[by_hash[-1]] = False
    return held_out


def featurise(texts):
    return [TERM_SEPARATOR.join(extract_terms(text)) if isinstance(text, str) else "" for text in texts]


def parse_args(argv):
    parser = argparse.ArgumentParser(description="Train and register lakectl's sentiment model.")
    parser.add_argument("--catalog", default="lakehouse")
    parser.add_argument("--model-name", default="sentiment")
    parser.add_argument("--experiment-path", default="/Shared/lakectl/sentiment")
    parser.add_argument("--alias", default="challenger")
    parser.add_argument("--C", type=float, default=4.0, help="inverse L2 regularisation strength")
    parser.add_argument("--max-iter", type=int, default=1000)
    parser.add_argument("--max-vocab", type=int, default=5000)
    parser.add_argument("--min-df", type=int, default=2)
    parser.add_argument("--test-fraction", type=float, default=0.2)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--min-per-class", type=int, default=10)
    parser.add_argument("--max-rows", type=int, default=500_000, help="most recent reviews to train on")
    parser.add_argument("--registration-timeout", type=int, default=600, help="seconds to wait for READY")
    args = parser.parse_args(argv)
    for name in (args.catalog, args.model_name):
        if not SIMPLE_NAME.match(name):
            parser.error(f"{name!r} is not a simple identifier (letters, digits, underscores)")
    if not 0 < args.test_fraction < 1:
        parser.error("--test-fraction must be between 0 and 1")
    return args


def load_reviews(spark, catalog, max_rows):
    from pyspark.sql import functions as F

    return (
        spark.table(f"{catalog}.silver.customer_events_cleaned")
        .where((F.col("event_type") == "review") & F.col("rating").isNotNull())
        .where(F.col("review_text").isNotNull() & (F.trim(F.col("review_text")) != ""))
        .orderBy(F.col("event_ts").desc())
        .limit(max_rows)
        .select("review_text", "rating")
        .toPandas()
    )


def evaluate(labels, scores):
    from sklearn import metrics

    predicted = [1 if s >= 0.5 else 0 for s in scores]
    return {
        "accuracy": metrics.accuracy_score(labels, predicted),
        "precision": metrics.precision_score(labels, predicted, zero_division=0),
        "recall": metrics.recall_score(labels, predicted, zero_division=0),
        "f1": metrics.f1_score(labels, predicted, zero_division=0),
        "auc": metrics.roc_auc_score(labels, scores),
        "log_loss": metrics.log_loss(labels, scores, labels=[0, 1]),
    }


def wait_until_ready(client, full_name, version, timeout_seconds):
    deadline = time.monotonic() + timeout_seconds
    while True:
        status = str(client.get_model_version(full_name, version).status)
        if status.endswith("READY"):
            return
        if status.endswith("FAILED_REGISTRATION"):
            raise SystemExit(f"Model version {full_name}/{version} failed registration.")
        if time.monotonic() > deadline:
            raise SystemExit(f"Model version {full_name}/{version} not READY after {timeout_seconds}s (status {status}).")
        time.sleep(5)


def main(argv):
    args = parse_args(argv)

    import mlflow
    import pandas as pd
    import sklearn
    from mlflow.models import infer_signature
    from mlflow.tracking import MlflowClient
    from pyspark.sql import SparkSession
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline

    sys.path.insert(0, os.path.dirname(os.path.abspath(globals().get("__file__") or sys.argv[0])))
    from lakectl_pipeline import lakehouse_catalog, model_registry_uri

    class SentimentScorer(mlflow.pyfunc.PythonModel):
        """Probability that each review_text is positive; NaN for null or blank text."""

        def __init__(self, pipeline):
            self.pipeline = pipeline

        def predict(self, context, model_input, params=None):
            texts = model_input["review_text"] if isinstance(model_input, pd.DataFrame) else pd.Series(model_input)
            present = texts.map(lambda t: isinstance(t, str) and t.strip() != "")
            scores = pd.Series(float("nan"), index=texts.index, name="sentiment_score")
            if present.any():
                scores[present] = self.pipeline.predict_proba(featurise(texts[present]))[:, 1]
            return scores

    spark = SparkSession.builder.getOrCreate()
    reviews = load_reviews(spark, lakehouse_catalog(spark, args.catalog), args.max_rows)
    reviews["label"] = reviews["rating"].map(label_from_rating)
    reviews = reviews[reviews["label"].notna()].reset_index(drop=True)
    texts = reviews["review_text"].tolist()
    labels = reviews["label"].astype(int).tolist()
    positive, negative = sum(labels), len(labels) - sum(labels)
    if positive < args.min_per_class or negative < args.min_per_class:
        raise SystemExit(
            f"Too few labelled reviews to train the sentiment model: {positive} positive (rating >= 4) and "
            f"{negative} negative (rating <= 2); at least {args.min_per_class} of each are needed."
        )

    held_out = held_out_mask(texts, labels, args.seed, args.test_fraction)
    train_texts = [t for t, h in zip(texts, held_out) if not h]
    train_labels = [y for y, h in zip(labels, held_out) if not h]
    test_texts = [t for t, h in zip(texts, held_out) if h]
    test_labels = [y for y, h in zip(labels, held_out) if h]

    # Terms come from extract_terms, so the vectorizer only splits on the separator (no lowercasing,
    # no n-grams of its own). Defaults match the local trainer: smoothed idf, sublinear tf, L2 rows.
    pipeline = Pipeline(
        [
            (
                "tfidf",
                TfidfVectorizer(
                    lowercase=False,
                    token_pattern=r"[^\t]+",
                    min_df=args.min_df,
                    max_features=args.max_vocab,
                    sublinear_tf=True,
                ),
            ),
            ("logreg", LogisticRegression(C=args.C, tol=1e-4, max_iter=args.max_iter)),
        ]
    )
    pipeline.fit(featurise(train_texts), train_labels)
    scorer = SentimentScorer(pipeline)
    test_scores = scorer.predict(None, pd.DataFrame({"review_text": test_texts})).tolist()

    metrics = {
        **evaluate(test_labels, test_scores),
        "n_train": len(train_texts),
        "n_test": len(test_texts),
        "positive_rate": positive / len(labels),
    }
    params = {
        "algorithm": "logistic_regression",
        "features": "tfidf_sublinear_l2",
        "negation": "true",
        "ngram_range": "1,2",
        "max_vocab": args.max_vocab,
        "vocab_size": len(pipeline.named_steps["tfidf"].vocabulary_),
        "min_df": args.min_df,
        "C": args.C,
        "max_iter": args.max_iter,
        "tol": 1e-4,
        "test_fraction": args.test_fraction,
        "seed": args.seed,
        "label_rule": LABEL_RULE,
        "engine": f"scikit-learn {sklearn.__version__}",
    }

    full_name = f"{args.catalog}.ml.{args.model_name}"
    registry = model_registry_uri()
    if registry:
        mlflow.set_registry_uri(registry)
    mlflow.set_experiment(args.experiment_path)
    with mlflow.start_run(run_name=f"sentiment-{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}") as run:
        mlflow.set_tags({"lakectl.component": "sentiment-training", "lakectl.source_table": f"{args.catalog}.silver.customer_events_cleaned"})
        mlflow.log_params(params)
        mlflow.log_metrics(metrics)
        example = pd.DataFrame({"review_text": test_texts[:5]})
        model_info = mlflow.pyfunc.log_model(
            artifact_path="model",
            python_model=scorer,
            signature=infer_signature(example, scorer.predict(None, example)),
            input_example=example,
            extra_pip_requirements=[f"scikit-learn=={sklearn.__version__}"],
        )

    # Unity Catalog registration creates <catalog>.ml.<model> on first use (needs CREATE_MODEL on ml).
    version = mlflow.register_model(model_info.model_uri, full_name).version
    client = MlflowClient(registry_uri=registry)
    wait_until_ready(client, full_name, version, args.registration_timeout)
    client.set_registered_model_alias(full_name, args.alias, version)

    print(json.dumps({"model": full_name, "version": int(version), "alias": args.alias, "run_id": run.info.run_id, "metrics": metrics}))


if __name__ == "__main__":
    main(sys.argv[1:])
