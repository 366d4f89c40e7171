"""Resolve customer tables on Spark and write the results as Parquet (or Delta) tables.

    spark-submit --master yarn --deploy-mode cluster \
        --conf spark.sql.execution.arrow.pyspark.enabled=true \
        --conf spark.sql.shuffle.partitions=400 \
        --archives singleview-env.tar.gz#env \
        --conf spark.pyspark.python=./env/bin/python \
        examples/spark_resolve.py s3://lake/raw s3://lake/customer_view

``singleview-env.tar.gz`` is a packed virtual environment holding singleview and its
dependencies (``pip wheel --no-deps -w dist .``, then ``python -m venv env &&
env/bin/pip install 'dist/singleview-0.1.0-py3-none-any.whl[spark]' venv-pack &&
env/bin/venv-pack -o singleview-env.tar.gz``), so every executor runs the same code.
Locally: ``python examples/spark_resolve.py RAW OUT --local``.
"""

from __future__ import annotations

import argparse
import logging

import singleview as sv


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("raw", help="folder with crm/, web/, call_centre/, store/ Parquet tables")
    parser.add_argument("out", help="folder for the customer view tables")
    parser.add_argument("--local", action="store_true", help="use a local[2] session")
    parser.add_argument("--format", default="parquet", help="parquet or delta")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO)

    if args.local:
        spark = sv.engines.spark.local_session()
    else:
        from pyspark.sql import SparkSession

        spark = SparkSession.builder.appName("singleview").getOrCreate()
    # Each source is read where it lies; a partition is one batch of cleaning.
    sources = [
        sv.CrmSource(spark.read.parquet(f"{args.raw}/crm"), region="GB"),
        sv.WebSource(spark.read.parquet(f"{args.raw}/web"), region="GB"),
        sv.CallCentreSource(spark.read.parquet(f"{args.raw}/call_centre"), region="GB"),
        sv.StoreSource(spark.read.parquet(f"{args.raw}/store"), region="GB"),
    ]
    result = sv.resolve(sources, engine=sv.SparkEngine(spark))
    for name in ("clusters", "profiles", "pairs", "quarantine"):
        frame = getattr(result, name)
        if frame is not None:
            frame.write.mode("overwrite").format(args.format).save(f"{args.out}/{name}")
    if result.model is not None:
        result.model.save("model.json")  # on the driver; copy it next to the tables
    print(result.summary())


if __name__ == "__main__":
    main()
