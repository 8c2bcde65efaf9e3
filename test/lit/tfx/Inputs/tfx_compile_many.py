"""Compiles several generated TFX packages with TFX's compiler in one process.

usage: tfx_compile_many.py DIR...
Importing TensorFlow and TFX takes most of a run, so this imports them once;
each package's pipeline.py and its components/ modules are loaded fresh.
Prints `DIR: N nodes` or `DIR: FAILED: error` per package.
"""
import importlib.util
import re
import sys
import traceback

from tfx.dsl.compiler import compiler

for directory in sys.argv[1:]:
    # The generated modules of the previous package must not be reused.
    for name in [m for m in sys.modules if m.startswith("mlpc_")]:
        del sys.modules[name]
    saved_path = list(sys.path)
    try:
        spec = importlib.util.spec_from_file_location("generated_pipeline", directory + "/pipeline.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        pipeline = module.create_pipeline(directory + "/root")
        ir = compiler.Compiler().compile(pipeline)
        print(f"{directory}: {len(ir.nodes)} nodes", flush=True)
    except Exception:  # noqa: BLE001 (report any failure of TFX's compiler)
        print(f"{directory}: FAILED: {traceback.format_exc()[-2000:]}", flush=True)
    finally:
        sys.path[:] = saved_path
