#!/usr/bin/env python3
"""TFRecord interop with TensorFlow itself (run with .venv-tfx's python).

  tf_check.py read EXAMPLES_DIR      prints every record mlpc wrote, as TF parses it
  tf_check.py write FILE             writes tf.Example records with TF's own writer

The records hold the columns of test/runtime/stdlib/good.csv: id (int64),
score (float, optional), name (bytes).
"""
import glob
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")
import tensorflow as tf  # noqa: E402


def read(folder):
    files = sorted(glob.glob(os.path.join(folder, "Split-*", "*.gz")))
    if not files:
        sys.exit(f"no Split-*/*.gz under {folder}")
    for path in files:
        split = os.path.basename(os.path.dirname(path))
        # TF checks both CRCs of every record while reading.
        for raw in tf.data.TFRecordDataset(path, compression_type="GZIP"):
            ex = tf.train.Example.FromString(raw.numpy())
            f = ex.features.feature
            score = list(f["score"].float_list.value)
            print(split, f["id"].int64_list.value[0],
                  score[0] if score else "missing", f["name"].bytes_list.value[0].decode())


def write(path):
    rows = [(7, 0.25, "tf-one"), (8, None, "tf, two"), (9, 1.5, "tf\nthree")]
    with tf.io.TFRecordWriter(path) as w:
        for i, score, name in rows:
            feature = {
                "id": tf.train.Feature(int64_list=tf.train.Int64List(value=[i])),
                "name": tf.train.Feature(bytes_list=tf.train.BytesList(value=[name.encode()])),
            }
            if score is not None:
                feature["score"] = tf.train.Feature(float_list=tf.train.FloatList(value=[score]))
            w.write(tf.train.Example(features=tf.train.Features(feature=feature))
                    .SerializeToString())


if __name__ == "__main__":
    {"read": read, "write": write}[sys.argv[1]](sys.argv[2])
