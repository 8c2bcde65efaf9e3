"""Checks a Vertex AI PipelineJob JSON that `pipeline.py vertex` wrote
(TFX's KubeflowV2DagRunner) with kfp-pipeline-spec's own protos.

    python check_vertex.py PIPELINE_JSON --name NAME --image IMAGE --root ROOT \
        --task ID=EXECUTOR[:DEP,...] ... [--param TASK.NAME=VALUE ...] [--module TASK=FILE ...]

The JSON is parsed strictly (unknown fields fail) into PipelineJob, and its
pipeline_spec (a Struct) strictly into PipelineSpec. Then:
- the pipeline's name, the job's output directory (ROOT) and TFX's labels;
- the tasks are exactly the --task IDs, each with its dependencies, and each
  input artifact comes from a dependency's declared output;
- each task's executor: a container running IMAGE with TFX's Vertex entry point
  and the executor class EXECUTOR, or `resolver` for a resolver node;
- --param: a task's constant parameter (JSON strings compared as JSON);
- --module: the task's module_path is `<stem>@<wheel>` with the wheel under
  ROOT/_wheels, holding <stem>.py with the bytes of FILE (mlpc's generated
  preprocessing, packaged by TFX).
Prints `ok: ...` and exits 0, or names each mismatch and exits 1.
"""
import argparse
import json
import os
import sys
import zipfile

from google.protobuf import json_format
from kfp.pipeline_spec import pipeline_spec_pb2

ENTRY_POINT = ["python", "-m", "tfx.orchestration.kubeflow.v2.container.kubeflow_v2_run_executor"]

failures = []


def expect(what, got, want):
    if got != want:
        failures.append(f"{what}: got {got!r}, want {want!r}")


def constant(value):
    """A task's constant parameter as Python (runtimeValue.constantValue)."""
    v = value.runtime_value.constant_value
    kind = v.WhichOneof("value")
    return getattr(v, kind) if kind else None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("json")
    parser.add_argument("--name", required=True)
    parser.add_argument("--image", required=True)
    parser.add_argument("--root", required=True)
    parser.add_argument("--task", action="append", default=[], required=True)
    parser.add_argument("--param", action="append", default=[])
    parser.add_argument("--module", action="append", default=[])
    args = parser.parse_args()

    with open(args.json, encoding="utf-8") as f:
        job = json_format.Parse(f.read(), pipeline_spec_pb2.PipelineJob())
    spec = json_format.ParseDict(
        json_format.MessageToDict(job.pipeline_spec), pipeline_spec_pb2.PipelineSpec()
    )
    deployment = json_format.ParseDict(
        json_format.MessageToDict(spec.deployment_spec), pipeline_spec_pb2.PipelineDeploymentConfig()
    )

    expect("pipelineInfo.name", spec.pipeline_info.name, args.name)
    expect("job display name", job.display_name, args.name)
    expect("gcsOutputDirectory", job.runtime_config.gcs_output_directory, args.root)
    expect("tfx_runner label", job.labels.get("tfx_runner"), "kubeflow_v2")
    expect("sdkVersion", spec.sdk_version.split("-")[0], "tfx")

    tasks = spec.root.dag.tasks
    wanted = {}
    for t in args.task:
        task_id, _, rest = t.partition("=")
        executor, _, deps = rest.partition(":")
        wanted[task_id] = (executor, sorted(d for d in deps.split(",") if d))
    expect("tasks", sorted(tasks), sorted(wanted))

    for task_id, (executor_class, deps) in wanted.items():
        if task_id not in tasks:
            continue
        task = tasks[task_id]
        expect(f"{task_id}: dependentTasks", sorted(task.dependent_tasks), deps)
        component = spec.components.get(task.component_ref.name)
        if component is None:
            failures.append(f"{task_id}: component {task.component_ref.name!r} is not defined")
            continue
        for name, artifact in task.inputs.artifacts.items():
            producer = artifact.task_output_artifact.producer_task
            key = artifact.task_output_artifact.output_artifact_key
            # TFX lists no dependentTasks for a resolver that reads another resolver.
            if producer not in tasks or (executor_class != "resolver" and producer not in task.dependent_tasks):
                failures.append(f"{task_id}: input {name!r} comes from {producer!r}, not a dependency")
            elif key not in spec.components[tasks[producer].component_ref.name].output_definitions.artifacts:
                failures.append(f"{task_id}: input {name!r}: {producer!r} has no output {key!r}")
        executor = deployment.executors.get(component.executor_label)
        if executor is None:
            failures.append(f"{task_id}: executor {component.executor_label!r} is not defined")
        elif executor_class == "resolver":
            expect(f"{task_id}: executor kind", executor.WhichOneof("spec"), "resolver")
        else:
            expect(f"{task_id}: executor kind", executor.WhichOneof("spec"), "container")
            expect(f"{task_id}: image", executor.container.image, args.image)
            expect(f"{task_id}: command", list(executor.container.command), ENTRY_POINT)
            expect(f"{task_id}: args", list(executor.container.args)[:2], ["--executor_class_path", executor_class])

    for p in args.param:
        path, _, want = p.partition("=")
        task_id, _, name = path.partition(".")
        params = tasks[task_id].inputs.parameters if task_id in tasks else {}
        got = constant(params[name]) if name in params else None
        if isinstance(got, str) and got[:1] in "{[":
            got, want = json.loads(got), json.loads(want)
        elif not isinstance(got, str):
            want = int(want)
        expect(f"{task_id}: parameter {name}", got, want)

    for m in args.module:
        task_id, _, source = m.partition("=")
        path = constant(tasks[task_id].inputs.parameters["module_path"])
        stem, _, wheel = path.partition("@")
        expect(f"{task_id}: wheel folder", os.path.dirname(wheel), os.path.join(args.root, "_wheels"))
        with zipfile.ZipFile(wheel) as z, open(source, "rb") as f:
            expect(f"{task_id}: {stem}.py in the wheel", z.read(stem + ".py"), f.read())

    for f in failures:
        print("FAIL", f)
    if failures:
        return 1
    print(f"ok: {args.json}: {len(tasks)} tasks, {len(spec.components)} components, {len(deployment.executors)} executors")
    return 0


if __name__ == "__main__":
    sys.exit(main())
