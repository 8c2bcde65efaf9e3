"""Trainer module of examples/tfx/penguin_tfx.mlp: a small Keras classifier.

TFX calls run_fn(fn_args). The transformed examples have the columns of the
.mlp schema under their own names (mlpc's preprocessing_fn keeps them): the
four measurements z-scored, and species, island and sex as vocabulary ids.
"""
import tensorflow as tf
import tensorflow_transform as tft
from tfx import v1 as tfx
from tfx_bsl.public import tfxio

NUMERIC = ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g"]
CATEGORICAL = ["island", "sex"]
LABEL = "species"


def _dataset(files, data_accessor, transform_output, batch_size):
    return data_accessor.tf_dataset_factory(
        files,
        tfxio.TensorFlowDatasetOptions(batch_size=batch_size, label_key=LABEL),
        transform_output.transformed_metadata.schema,
    ).repeat()


def _model(transform_output):
    numeric = [tf.keras.layers.Input(shape=(1,), name=k) for k in NUMERIC]
    categorical = [tf.keras.layers.Input(shape=(1,), name=k, dtype=tf.int64) for k in CATEGORICAL]
    features = list(numeric)
    for key, layer in zip(CATEGORICAL, categorical):
        size = transform_output.vocabulary_size_by_name(key) + 1
        features.append(tf.keras.layers.CategoryEncoding(num_tokens=size, output_mode="one_hot")(layer))
    hidden = tf.keras.layers.Dense(8, activation="relu")(tf.keras.layers.concatenate(features))
    logits = tf.keras.layers.Dense(transform_output.vocabulary_size_by_name(LABEL))(hidden)
    model = tf.keras.Model(inputs=numeric + categorical, outputs=logits)
    model.compile(
        optimizer=tf.keras.optimizers.Adam(1e-2),
        loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=[tf.keras.metrics.SparseCategoricalAccuracy()],
    )
    return model


def _signatures(model, transform_output):
    model.tft_layer = transform_output.transform_features_layer()

    @tf.function(input_signature=[tf.TensorSpec(shape=[None], dtype=tf.string, name="examples")])
    def serve(serialized):
        spec = transform_output.raw_feature_spec()
        spec.pop(LABEL)
        features = model.tft_layer(tf.io.parse_example(serialized, spec))
        return {"outputs": model(features)}

    @tf.function(input_signature=[tf.TensorSpec(shape=[None], dtype=tf.string, name="examples")])
    def transform_features(serialized):
        return model.tft_layer(tf.io.parse_example(serialized, transform_output.raw_feature_spec()))

    return {"serving_default": serve, "transform_features": transform_features}


def run_fn(fn_args: tfx.components.FnArgs):
    transform_output = tft.TFTransformOutput(fn_args.transform_output)
    train = _dataset(fn_args.train_files, fn_args.data_accessor, transform_output, 20)
    evaluation = _dataset(fn_args.eval_files, fn_args.data_accessor, transform_output, 10)
    model = _model(transform_output)
    model.fit(
        train,
        steps_per_epoch=fn_args.train_steps,
        validation_data=evaluation,
        validation_steps=fn_args.eval_steps,
        verbose=2,
    )
    tf.saved_model.save(model, fn_args.serving_model_dir, signatures=_signatures(model, transform_output))
