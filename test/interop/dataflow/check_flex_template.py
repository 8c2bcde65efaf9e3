"""Checks a Dataflow build's JSON against Dataflow's own API messages.

    .venv-beam/bin/python3 check_flex_template.py OUT_DIR

Beam vendors the Dataflow v1b3 client (dataflow_v1b3_messages): template.json
must parse as a ContainerSpec, metadata.json as a TemplateMetadata and
launch.json as a LaunchFlexTemplateRequest, with no field or enum value the
API does not know (apitools keeps those aside instead of failing, so they are
looked for in every nested message). Also: the fields Dataflow requires are
there and not empty, the job name follows Dataflow's rule, and every
parameter's default matches its own regexes.
"""
import json
import os
import re
import sys
import warnings

warnings.filterwarnings("ignore")
from apitools.base.protorpclite import messages as protomessages  # noqa: E402
from apitools.base.py import encoding  # noqa: E402
from apache_beam.runners.dataflow.internal.clients.dataflow import (  # noqa: E402
    dataflow_v1b3_messages as msgs,
)

problems = []


def unknown_fields(message, where):
    """Fields and enum values the API does not define, anywhere in `message`."""
    for name in message.all_unrecognized_fields():
        problems.append(f"{where}: unknown field `{name}`")
    for field in message.all_fields():
        value = message.get_assigned_value(field.name)
        if value is None:
            continue
        values = value if field.repeated else [value]
        for i, v in enumerate(values):
            at = f"{where}.{field.name}" + (f"[{i}]" if field.repeated else "")
            if isinstance(v, protomessages.Message):
                unknown_fields(v, at)


def load(path, cls):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    json.loads(text)  # strict JSON first
    message = encoding.JsonToMessage(cls, text)
    unknown_fields(message, os.path.basename(path))
    return message


def check_metadata(meta, where):
    if not meta.name:
        problems.append(f"{where}: `name` is empty")
    for p in meta.parameters:
        for field in ("name", "label", "helpText"):
            if not getattr(p, field):
                problems.append(f"{where}: parameter `{p.name}` has no `{field}` (Dataflow requires it)")
        if p.paramType is None:
            problems.append(f"{where}: parameter `{p.name}` has no paramType")
        if p.defaultValue is not None:
            for rx in p.regexes:
                if not re.fullmatch(rx, p.defaultValue):
                    problems.append(f"{where}: parameter `{p.name}`: default {p.defaultValue!r} "
                                    f"does not match its regex {rx!r}")


def main(out):
    spec = load(os.path.join(out, "template.json"), msgs.ContainerSpec)
    meta = load(os.path.join(out, "metadata.json"), msgs.TemplateMetadata)
    launch = load(os.path.join(out, "launch.json"), msgs.LaunchFlexTemplateRequest)
    if not spec.image:
        problems.append("template.json: `image` is empty")
    if spec.sdkInfo is None or str(spec.sdkInfo.language) != "PYTHON":
        problems.append("template.json: sdkInfo.language is not PYTHON")
    check_metadata(meta, "metadata.json")
    check_metadata(spec.metadata, "template.json metadata")
    if encoding.MessageToJson(spec.metadata) != encoding.MessageToJson(meta):
        problems.append("template.json's metadata differs from metadata.json")
    lp = launch.launchParameter
    if lp is None:
        problems.append("launch.json: no launchParameter")
    else:
        if not re.fullmatch(r"[a-z]([-a-z0-9]{0,1022}[a-z0-9])?", lp.jobName or ""):
            problems.append(f"launch.json: job name {lp.jobName!r} breaks Dataflow's rule")
        if (lp.containerSpec is None) == (lp.containerSpecGcsPath is None):
            problems.append("launch.json: exactly one of containerSpec, containerSpecGcsPath")
        declared = {p.name: p for p in meta.parameters}
        for prop in (lp.parameters.additionalProperties if lp.parameters else []):
            p = declared.get(prop.key)
            if p is None:
                if prop.key != "dataflow_service_options":
                    problems.append(f"launch.json: parameter `{prop.key}` is not in metadata.json")
                continue
            for rx in p.regexes:
                if not re.fullmatch(rx, prop.value):
                    problems.append(f"launch.json: `{prop.key}` = {prop.value!r} does not match {rx!r}")
    for p in problems:
        print(f"error: {p}", file=sys.stderr)
    if problems:
        return 1
    print(f"ok: template.json, metadata.json ({len(meta.parameters)} parameters) and launch.json "
          "parse as Dataflow's ContainerSpec, TemplateMetadata and LaunchFlexTemplateRequest")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
