"""Test-side Kafka client for the engines tier (kafka-python): create a topic, produce a JSONL file.

  kafka_io.py create-topic --bootstrap HOST:PORT --topic T --partitions N [--timeout S]
  kafka_io.py produce --bootstrap HOST:PORT --topic T --file EVENTS.jsonl

Credentials (SASL/PLAIN) come from the environment: KAFKA_USERNAME, KAFKA_PASSWORD. Each line of the
file is one record value, sent as UTF-8 without a key; an empty line is an empty value. Prints JSON.
"""
import argparse
import json
import os
import sys
import time

from kafka import KafkaProducer
from kafka.admin import KafkaAdminClient, NewTopic
from kafka.errors import KafkaError, TopicAlreadyExistsError


def client_options(bootstrap):
    options = {"bootstrap_servers": bootstrap}
    if os.environ.get("KAFKA_USERNAME"):
        options.update(
            security_protocol="SASL_PLAINTEXT",
            sasl_mechanism="PLAIN",
            sasl_plain_username=os.environ["KAFKA_USERNAME"],
            sasl_plain_password=os.environ["KAFKA_PASSWORD"],
        )
    return options


def create_topic(args):
    """Retries until the broker answers (it may still be starting), up to --timeout seconds."""
    deadline = time.monotonic() + args.timeout
    while True:
        try:
            admin = KafkaAdminClient(**client_options(args.bootstrap), request_timeout_ms=5000)
            try:
                admin.create_topics([NewTopic(args.topic, num_partitions=args.partitions, replication_factor=1)])
            except TopicAlreadyExistsError:
                pass
            finally:
                admin.close()
            print(json.dumps({"topic": args.topic, "partitions": args.partitions}))
            return
        except (KafkaError, OSError) as error:
            if time.monotonic() > deadline:
                raise SystemExit(f"Kafka at {args.bootstrap} did not answer within {args.timeout}s: {error}")
            time.sleep(0.5)


def read_values(path):
    with open(path, encoding="utf-8", newline="\n") as f:
        text = f.read()
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def produce(args):
    values = read_values(args.file)
    producer = KafkaProducer(**client_options(args.bootstrap), acks="all", linger_ms=20, batch_size=256 * 1024, max_request_size=8 * 1024 * 1024)
    started = time.monotonic()
    for value in values:
        producer.send(args.topic, value.encode("utf-8"))
    producer.flush()
    producer.close()
    print(json.dumps({"records": len(values), "seconds": round(time.monotonic() - started, 3)}))


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    create = commands.add_parser("create-topic")
    create.add_argument("--bootstrap", required=True)
    create.add_argument("--topic", required=True)
    create.add_argument("--partitions", type=int, default=3)
    create.add_argument("--timeout", type=float, default=60)
    send = commands.add_parser("produce")
    send.add_argument("--bootstrap", required=True)
    send.add_argument("--topic", required=True)
    send.add_argument("--file", required=True)
    args = parser.parse_args(argv)
    {"create-topic": create_topic, "produce": produce}[args.command](args)


if __name__ == "__main__":
    main(sys.argv[1:])
