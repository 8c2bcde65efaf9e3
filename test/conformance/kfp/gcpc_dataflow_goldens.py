"""How golden/dataflow_job_*.yaml were made: what a call to a `@dataflow`
pipeline lowers to, written with the KFP SDK (kfp 2.15.2) and GCPC 2.22.0
(kubeflow/pipelines at 7b70c7b, `components/google-cloud` on PYTHONPATH):

    PYTHONPATH=.../components/google-cloud python gcpc_dataflow_goldens.py golden/

DataflowFlexTemplateJobOp launches the template and WaitGcpResourcesOp waits
for the job. A job with artifacts first runs a container task that holds them
and writes the template's `parameters` (mlpc's script, KfpBackend.cpp).
"""
import sys

from google_cloud_pipeline_components.v1.dataflow import DataflowFlexTemplateJobOp
from google_cloud_pipeline_components.v1.wait_gcp_resources import WaitGcpResourcesOp
from kfp import compiler, dsl
from kfp.dsl import Dataset, Input, Model, Output, OutputPath

# The script of the task that writes a job's parameters, as mlpc writes it.
JOB_ARGS = """import json
import os
import sys

out, pairs = sys.argv[1], sys.argv[2:]
os.makedirs(os.path.dirname(out), exist_ok=True)
with open(out, "w") as f:
    json.dump(dict(zip(pairs[0::2], pairs[1::2])), f)
"""


@dsl.container_component
def make(out: OutputPath(str)):
    return dsl.ContainerSpec(image="alpine:3.20", command=["sh", "-c", 'echo hi > "$0"', out])


@dsl.container_component
def report(msg: str):
    return dsl.ContainerSpec(image="alpine:3.20", command=["echo", msg])


@dsl.pipeline(name="dataflow-job-parameters")
def parameters(csv: str, epochs: int = 5):
    m = make()
    launch = DataflowFlexTemplateJobOp(
        container_spec_gcs_path="gs://bucket/templates/count_words.json",
        location="europe-west1",
        machine_type="n1-standard-8",
        max_workers=4,
        num_workers=2,
        service_account_email="dataflow@project.iam.gserviceaccount.com",
        temp_location="gs://bucket/tmp",
        parameters={"csv": csv, "epochs": epochs, "label": m.output, "rate": "0.5",
                    "title": "count of {}".format(csv)})
    wait = WaitGcpResourcesOp(gcp_resources=launch.outputs["gcp_resources"])
    report(msg="done").after(wait)


@dsl.container_component
def fetch(uri: str, data: Output[Dataset]):
    return dsl.ContainerSpec(image="google/cloud-sdk:slim", command=["gsutil", "cp", uri, data.path])


@dsl.container_component
def engineer_features(raw: Input[Dataset], features: Output[Dataset],
                      parameters: OutputPath(dict), min_rows: int = 10):
    return dsl.ContainerSpec(
        image="python:3.11-slim", command=["python3", "-c", JOB_ARGS],
        args=[parameters, "raw", raw.uri, "min_rows", min_rows, "features", features.uri])


@dsl.container_component
def train(data: Input[Dataset], model: Output[Model]):
    return dsl.ContainerSpec(image="python:3.11-slim", command=["train", data.path, model.path])


@dsl.pipeline(name="dataflow-job-artifacts")
def artifacts(uri: str) -> Model:
    raw = fetch(uri=uri)
    features = engineer_features(raw=raw.outputs["data"])
    launch = DataflowFlexTemplateJobOp(
        container_spec_gcs_path="gs://bucket/templates/engineer_features.json",
        location="us-central1",
        disk_size_gb=50,
        network="jobs",
        subnetwork="regions/us-central1/subnetworks/jobs",
        staging_location="gs://bucket/staging",
        worker_zone="us-central1-b",
        sdk_container_image="us-docker.pkg.dev/project/mlpc/engineer-features:1",
        parameters=features.outputs["parameters"])
    wait = WaitGcpResourcesOp(gcp_resources=launch.outputs["gcp_resources"])
    return train(data=features.outputs["features"]).after(wait).outputs["model"]


@dsl.pipeline(name="dataflow-job-gpu")
def gpu(csv: str, score: bool = True):
    with dsl.If(score == True):  # noqa: E712 (a pipeline channel, not a bool)
        launch = DataflowFlexTemplateJobOp(
            container_spec_gcs_path="gs://bucket/templates/score.json",
            location="us-central1",
            machine_type="g2-standard-4",
            parameters={"csv": csv, "dataflow_service_options":
                        "worker_accelerator=type:nvidia-l4;count:1;install-nvidia-driver:5xx"})
        WaitGcpResourcesOp(gcp_resources=launch.outputs["gcp_resources"])


if __name__ == "__main__":
    out = sys.argv[1]
    for name, pipeline in [("parameters", parameters), ("artifacts", artifacts), ("gpu", gpu)]:
        compiler.Compiler().compile(pipeline, f"{out}/dataflow_job_{name}.yaml")
