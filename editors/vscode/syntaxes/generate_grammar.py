#!/usr/bin/env python3
"""Writes mlp.tmLanguage.json, the TextMate grammar of .mlp, beside this file.

Edit the grammar here, where regexes are raw strings and repeated parts have
names, then run `python3 editors/vscode/syntaxes/generate_grammar.py`.
`--check` changes nothing and exits 1 when the JSON is out of date (the
grammar test runs it). The scopes follow grammar/MlpLexer.g4 and
grammar/MlpParser.g4; test/editors/test_grammar.py asserts them.
"""
import json
import os
import sys

ID = r"[A-Za-z_][A-Za-z0-9_]*"
QID = r"`[^`\r\n]+`"
NAME = rf"(?:{ID}|{QID})"

PRIMITIVE = "int|float|string|bool"
BUILTIN = "list|map|column|TaskFinalStatus"
ARTIFACTS = ("Artifact|Dataset|Model|Metrics|ClassificationMetrics|SlicedClassificationMetrics|HTML|"
             "Markdown|Examples|Schema|ExampleStatistics|ExampleAnomalies|ExampleValidationMetrics|"
             "TransformGraph|TransformCache|ModelBlessing|ModelEvaluation|ModelRun|InferenceResult|"
             "InfraBlessing|PushedModel|HyperParameters|TunerResults")
DIGITS = r"[0-9](?:_?[0-9])*"
EXPONENT = rf"[eE][+-]?{DIGITS}"

# `<...>` explicit type arguments of a call, as in `io.read_csv<Penguin>(`:
# a lookahead tells them from the `<` operator.
TYPE_ARGS_AHEAD = r"(?=[^<>()\"]*(?:<[^<>()\"]*(?:<[^<>()\"]*>[^<>()\"]*)*>[^<>()\"]*)*>\s*\()"


def name_captures(scope):
    """A capture that scopes a name and still marks backquotes inside it."""
    return {"name": scope, "patterns": [{"include": "#backquoted-name"}]}


def nestable(region):
    """A begin/end region that may contain itself directly (`list<list<T>>`,
    `{a: {b: 1}}`, `[[1]]`): it lists an identical twin first, so that it
    never directly contains itself. textmate-grammar-python (the grammar
    tests' tokenizer) skips the character after such a nested region; VS Code
    tokenizes the same either way."""
    twin = dict(region)
    region = dict(region)
    region["patterns"] = [twin] + region["patterns"]
    return region


repo = {}

repo["comments"] = {"patterns": [
    {"name": "comment.block.documentation.mlp", "match": r"(///).*",
     "captures": {"1": {"name": "punctuation.definition.comment.mlp"}}},
    {"name": "comment.line.double-slash.mlp", "match": r"(//).*",
     "captures": {"1": {"name": "punctuation.definition.comment.mlp"}}},
    {"name": "comment.block.mlp", "begin": r"/\*", "end": r"\*/",
     "beginCaptures": {"0": {"name": "punctuation.definition.comment.begin.mlp"}},
     "endCaptures": {"0": {"name": "punctuation.definition.comment.end.mlp"}}},
]}

repo["backquoted-name"] = {
    "name": "variable.other.backquoted.mlp",
    "match": r"(`)[^`\r\n]+(`)",
    "captures": {"1": {"name": "punctuation.definition.variable.begin.mlp"},
                 "2": {"name": "punctuation.definition.variable.end.mlp"}},
}

repo["import"] = {
    "name": "meta.import.mlp",
    "begin": r"\b(import)\b",
    "beginCaptures": {"1": {"name": "keyword.control.import.mlp"}},
    "end": r"(;)|$",
    "endCaptures": {"1": {"name": "punctuation.terminator.statement.mlp"}},
    "patterns": [
        {"include": "#comments"},
        {"include": "#string"},
        {"match": rf"\b(as)\b\s*({NAME})?",
         "captures": {"1": {"name": "keyword.control.import.mlp"},
                      "2": name_captures("entity.name.namespace.mlp")}},
        {"match": r"\.", "name": "punctuation.accessor.mlp"},
        {"match": NAME, "name": "entity.name.namespace.mlp",
         "captures": {"0": {"patterns": [{"include": "#backquoted-name"}]}}},
    ],
}

repo["annotation"] = {"patterns": [
    {"name": "meta.annotation.mlp",
     "begin": rf"(@)\s*({NAME})\s*(\()",
     "beginCaptures": {"1": {"name": "punctuation.definition.annotation.mlp"},
                       "2": name_captures("storage.type.annotation.mlp"),
                       "3": {"name": "punctuation.section.arguments.begin.mlp"}},
     "end": r"\)",
     "endCaptures": {"0": {"name": "punctuation.section.arguments.end.mlp"}},
     "patterns": [{"include": "#arguments-content"}]},
    {"name": "meta.annotation.mlp",
     "match": rf"(@)\s*({NAME})",
     "captures": {"1": {"name": "punctuation.definition.annotation.mlp"},
                  "2": name_captures("storage.type.annotation.mlp")}},
]}

# Declarations. Each ends after its closing `}`, or as soon as something that
# cannot continue its header appears, so half-typed code does not swallow the
# rest of the file.
repo["schema-declaration"] = {
    "name": "meta.declaration.schema.mlp",
    "begin": rf"\b(?:(schema)|(record))\s+({NAME})",
    "beginCaptures": {"1": {"name": "keyword.declaration.schema.mlp"},
                      "2": {"name": "keyword.declaration.record.mlp"},
                      "3": name_captures("entity.name.type.mlp")},
    "end": r"(?<=\})|(?=[^\s{/])",
    "patterns": [{"include": "#comments"}, {"include": "#field-list"}],
}

repo["artifact-declaration"] = {
    "name": "meta.declaration.artifact.mlp",
    "begin": rf"\b(artifact)\s+({NAME})\s*(:)\s*({NAME}(?:\s*\.\s*{NAME})*)",
    "beginCaptures": {"1": {"name": "keyword.declaration.artifact.mlp"},
                      "2": name_captures("entity.name.type.mlp"),
                      "3": {"name": "punctuation.separator.type.mlp"},
                      "4": {"patterns": [{"include": "#type-expression"}]}},
    "end": r"(?<=\})|(?=[^\s{/])",
    "patterns": [{"include": "#comments"}, {"include": "#property-block"}],
}

repo["component-declaration"] = {
    "name": "meta.declaration.component.mlp",
    "begin": rf"\b(component)\s+({NAME})",
    "beginCaptures": {"1": {"name": "keyword.declaration.component.mlp"},
                      "2": name_captures("entity.name.function.mlp")},
    "end": r"(?<=\})|(?=[^\s<(\-{/])",
    "patterns": [
        {"include": "#comments"},
        {"include": "#type-parameters"},
        {"include": "#parameter-list"},
        {"include": "#arrow"},
        {"include": "#property-block"},
    ],
}

repo["pipeline-declaration"] = {
    "name": "meta.declaration.pipeline.mlp",
    "begin": rf"\b(pipeline)\s+({NAME})",
    "beginCaptures": {"1": {"name": "keyword.declaration.pipeline.mlp"},
                      "2": name_captures("entity.name.function.mlp")},
    "end": r"(?<=\})|(?=[^\s(\-{/])",
    "patterns": [
        {"include": "#comments"},
        {"include": "#parameter-list"},
        {"include": "#arrow"},
        {"include": "#statement-block"},
    ],
}

repo["arrow"] = {"match": r"->", "name": "keyword.operator.arrow.mlp"}

repo["type-parameters"] = {
    "name": "meta.type.parameters.mlp",
    "begin": r"<",
    "beginCaptures": {"0": {"name": "punctuation.definition.typeparameters.begin.mlp"}},
    "end": r">",
    "endCaptures": {"0": {"name": "punctuation.definition.typeparameters.end.mlp"}},
    "patterns": [
        {"include": "#comments"},
        {"match": NAME, "name": "entity.name.type.parameter.mlp",
         "captures": {"0": {"patterns": [{"include": "#backquoted-name"}]}}},
        {"include": "#punctuation"},
    ],
}

# `name: Type = default`, in a component's or pipeline's `(...)` and `-> (...)`.
repo["parameter-list"] = {
    "name": "meta.parameters.mlp",
    "begin": r"\(",
    "beginCaptures": {"0": {"name": "punctuation.section.parameters.begin.mlp"}},
    "end": r"\)",
    "endCaptures": {"0": {"name": "punctuation.section.parameters.end.mlp"}},
    "patterns": [
        {"include": "#comments"},
        {"begin": rf"({NAME})\s*(:)",
         "beginCaptures": {"1": name_captures("variable.parameter.mlp"),
                           "2": {"name": "punctuation.separator.type.mlp"}},
         "end": r"(?=[,)=}\];]|$)",
         "patterns": [{"include": "#type-expression"}]},
        {"include": "#expression"},
    ],
}

# `name: Type = default`, in a schema, a record or an inline `{...}` schema.
repo["field-list"] = {
    "name": "meta.fields.mlp",
    "begin": r"\{",
    "beginCaptures": {"0": {"name": "punctuation.section.block.begin.mlp"}},
    "end": r"\}",
    "endCaptures": {"0": {"name": "punctuation.section.block.end.mlp"}},
    "patterns": [
        {"include": "#comments"},
        {"begin": rf"({NAME})\s*(:)",
         "beginCaptures": {"1": name_captures("variable.other.field.mlp"),
                           "2": {"name": "punctuation.separator.type.mlp"}},
         "end": r"(?=[,)=}\];]|$)",
         "patterns": [{"include": "#type-expression"}]},
        {"include": "#expression"},
    ],
}

# Types: `int`, `list<T>`, `Dataset<Penguin>`, `Dataset<{a: int}>`,
# `Dataset<*>`, `Dataset<S.require(columns)>`, `common.Penguin`, `T?`.
repo["type-expression"] = {"patterns": [
    {"include": "#comments"},
    {"name": "meta.schema-operation.mlp",
     "begin": rf"(\.)\s*({ID})\s*(\()",
     "beginCaptures": {"1": {"name": "punctuation.accessor.mlp"},
                       "2": {"name": "support.function.schema-operation.mlp"},
                       "3": {"name": "punctuation.section.arguments.begin.mlp"}},
     "end": r"\)",
     "endCaptures": {"0": {"name": "punctuation.section.arguments.end.mlp"}},
     "patterns": [
         {"include": "#comments"},
         {"include": "#field-list"},
         {"include": "#builtin-types"},
         {"include": "#expression"},
     ]},
    {"include": "#type-arguments"},
    {"include": "#field-list"},
    {"match": r"\*", "name": "keyword.operator.wildcard.mlp"},
    {"match": r"\?", "name": "keyword.operator.optional.mlp"},
    {"include": "#builtin-types"},
    # `common.Penguin`: the module alias of a qualified type name.
    {"match": rf"({NAME})\s*(\.)(?!\s*{ID}\s*\()",
     "captures": {"1": name_captures("entity.name.namespace.mlp"),
                  "2": {"name": "punctuation.accessor.mlp"}}},
    {"match": NAME, "name": "entity.name.type.mlp",
     "captures": {"0": {"patterns": [{"include": "#backquoted-name"}]}}},
]}

repo["type-arguments"] = nestable({
    "name": "meta.type.arguments.mlp",
    "begin": r"<",
    "beginCaptures": {"0": {"name": "punctuation.definition.typeparameters.begin.mlp"}},
    "end": r">",
    "endCaptures": {"0": {"name": "punctuation.definition.typeparameters.end.mlp"}},
    "patterns": [{"include": "#type-expression"}, {"include": "#punctuation"}],
})

repo["builtin-types"] = {"patterns": [
    {"match": rf"\b(?:{PRIMITIVE})\b", "name": "support.type.primitive.mlp"},
    {"match": rf"\b(?:{BUILTIN})\b", "name": "support.type.builtin.mlp"},
    {"match": rf"\b(?:{ARTIFACTS})\b", "name": "support.type.artifact.mlp"},
]}

# A pipeline's body and the blocks of `if`, `else`, `for` and `finally`.
# A `{` in them is a nested block or a map literal: both may hold `key:`.
repo["statement-block"] = nestable({
    "name": "meta.block.mlp",
    "begin": r"\{",
    "beginCaptures": {"0": {"name": "punctuation.section.block.begin.mlp"}},
    "end": r"\}",
    "endCaptures": {"0": {"name": "punctuation.section.block.end.mlp"}},
    "patterns": [
        {"include": "#comments"},
        {"include": "#task-options"},
        {"include": "#statement-block"},
        {"include": "#property-name"},
        {"include": "#expression"},
    ],
})

repo["task-options"] = {
    "name": "meta.task-options.mlp",
    "begin": r"\b(with)\s*(\{)",
    "beginCaptures": {"1": {"name": "keyword.control.with.mlp"},
                      "2": {"name": "punctuation.section.block.begin.mlp"}},
    "end": r"\}",
    "endCaptures": {"0": {"name": "punctuation.section.block.end.mlp"}},
    "patterns": [{"include": "#property-block-content"}],
}

# A component body, an artifact body, a nested property block
# (`resources { ... }`) or a map / record literal.
repo["property-block"] = nestable({
    "name": "meta.block.mlp",
    "begin": r"\{",
    "beginCaptures": {"0": {"name": "punctuation.section.block.begin.mlp"}},
    "end": r"\}",
    "endCaptures": {"0": {"name": "punctuation.section.block.end.mlp"}},
    "patterns": [{"include": "#property-block-content"}],
})

repo["property-block-content"] = {"patterns": [
    {"include": "#comments"},
    {"include": "#property-name"},
    {"match": rf"({NAME})\s*(?=\{{)",
     "captures": {"1": name_captures("variable.other.property.mlp")}},
    {"include": "#expression"},
]}

# `key:` of a property or of a map / record literal (`pipeline:` names the
# pipeline of a `dataflow` block).
repo["property-name"] = {
    "match": rf"({NAME})\s*(:)",
    "captures": {"1": name_captures("variable.other.property.mlp"),
                 "2": {"name": "punctuation.separator.key-value.mlp"}},
}

repo["expression"] = {"patterns": [
    {"include": "#comments"},
    {"include": "#string"},
    {"include": "#number"},
    {"include": "#constant"},
    {"include": "#keyword"},
    {"include": "#call"},
    {"include": "#member"},
    {"include": "#identifier"},
    {"include": "#parens"},
    {"include": "#brackets"},
    {"include": "#property-block"},
    {"include": "#operator"},
    {"include": "#punctuation"},
]}

repo["keyword"] = {"patterns": [
    {"match": r"\b(?:schema|record|artifact|component|pipeline)\b", "name": "keyword.declaration.mlp"},
    {"match": r"\b(?:import|as)\b", "name": "keyword.control.import.mlp"},
    {"match": r"\b(?:if|else)\b", "name": "keyword.control.conditional.mlp"},
    {"match": r"\b(?:for|in)\b", "name": "keyword.control.loop.mlp"},
    # `parallel` is a soft keyword: a keyword only before the loop's limit.
    {"match": r"\bparallel\b(?=\s*[0-9A-Za-z_(\[-])(?!\s*(?:and|or)\b)", "name": "keyword.control.loop.mlp"},
    {"match": r"\bfinally\b", "name": "keyword.control.finally.mlp"},
    {"match": r"\breturn\b", "name": "keyword.control.return.mlp"},
    {"match": r"\bwith\b", "name": "keyword.control.with.mlp"},
    {"match": r"\b(?:and|or|not)\b", "name": "keyword.operator.logical.mlp"},
]}

repo["constant"] = {"patterns": [
    {"match": r"\btrue\b", "name": "constant.language.boolean.true.mlp"},
    {"match": r"\bfalse\b", "name": "constant.language.boolean.false.mlp"},
    {"match": r"\bnone\b", "name": "constant.language.none.mlp"},
]}

repo["number"] = {"patterns": [
    {"match": rf"\b{DIGITS}(?:\.{DIGITS}(?:{EXPONENT})?|{EXPONENT})\b", "name": "constant.numeric.float.mlp"},
    {"match": rf"\b{DIGITS}\b", "name": "constant.numeric.integer.mlp"},
]}

repo["string"] = {
    "name": "string.quoted.double.mlp",
    "begin": r'"',
    "beginCaptures": {"0": {"name": "punctuation.definition.string.begin.mlp"}},
    "end": r'(")|$',
    "endCaptures": {"1": {"name": "punctuation.definition.string.end.mlp"}},
    "patterns": [
        {"match": r'\\[ntr0\\"$]', "name": "constant.character.escape.mlp"},
        {"match": r"\\.", "name": "invalid.illegal.escape.mlp"},
        {"include": "#interpolation"},
    ],
}

# `${expr}`: the expression cannot contain `"` or `}`.
repo["interpolation"] = {
    "begin": r"\$\{",
    "beginCaptures": {"0": {"name": "punctuation.section.interpolation.begin.mlp"}},
    "end": r"\}|(?=\")|$",
    "endCaptures": {"0": {"name": "punctuation.section.interpolation.end.mlp"}},
    "contentName": "meta.embedded.expression.mlp",
    "patterns": [
        {"include": "#number"},
        {"include": "#constant"},
        {"include": "#keyword"},
        {"include": "#member"},
        {"include": "#identifier"},
        {"include": "#operator"},
        {"match": r"[()\[\]]", "name": "punctuation.section.parens.mlp"},
        {"include": "#punctuation"},
    ],
}

repo["call"] = {"patterns": [
    # `if_present` and `concat` build a container's command line.
    {"match": r"\b(if_present|concat)\s*(?=\()",
     "captures": {"1": {"name": "support.function.placeholder.mlp"}}},
    {"name": "meta.type.arguments.mlp",
     "begin": rf"({NAME})\s*(<){TYPE_ARGS_AHEAD}",
     "beginCaptures": {"1": name_captures("entity.name.function.mlp"),
                       "2": {"name": "punctuation.definition.typeparameters.begin.mlp"}},
     "end": r">",
     "endCaptures": {"0": {"name": "punctuation.definition.typeparameters.end.mlp"}},
     "patterns": [{"include": "#type-expression"}, {"include": "#punctuation"}]},
    {"match": rf"({NAME})\s*(?=\()",
     "captures": {"1": name_captures("entity.name.function.mlp")}},
]}

# `x.name`; `.path` and `.uri` are the placeholders of an artifact (or an
# output parameter's file) in a container's command line.
repo["member"] = {"patterns": [
    {"match": r"\.", "name": "punctuation.accessor.mlp"},
    {"match": r"(?<=\.)\s*(path|uri)\b(?!\s*[(<])",
     "captures": {"1": {"name": "support.variable.placeholder.mlp"}}},
    {"match": rf"(?<=\.)\s*({NAME})",
     "captures": {"1": name_captures("variable.other.property.mlp")}},
]}

repo["identifier"] = {"patterns": [
    {"include": "#backquoted-name"},
    {"match": ID, "name": "variable.other.readwrite.mlp"},
]}

# Call arguments, `return (...)`, `finally (status)` and parenthesised
# expressions; `name:` (and `else:` of `if_present`) is a named argument.
repo["parens"] = nestable({
    "name": "meta.parens.mlp",
    "begin": r"\(",
    "beginCaptures": {"0": {"name": "punctuation.section.parens.begin.mlp"}},
    "end": r"\)",
    "endCaptures": {"0": {"name": "punctuation.section.parens.end.mlp"}},
    "patterns": [{"include": "#arguments-content"}],
})

repo["arguments-content"] = {"patterns": [
    {"include": "#comments"},
    {"match": rf"({NAME})\s*(:)",
     "captures": {"1": name_captures("variable.parameter.mlp"),
                  "2": {"name": "punctuation.separator.key-value.mlp"}}},
    {"include": "#expression"},
]}

repo["brackets"] = nestable({
    "name": "meta.brackets.mlp",
    "begin": r"\[",
    "beginCaptures": {"0": {"name": "punctuation.section.brackets.begin.mlp"}},
    "end": r"\]",
    "endCaptures": {"0": {"name": "punctuation.section.brackets.end.mlp"}},
    "patterns": [{"include": "#expression"}],
})

repo["operator"] = {"patterns": [
    {"include": "#arrow"},
    {"match": r"==|!=|<=|>=|<|>", "name": "keyword.operator.comparison.mlp"},
    {"match": r"=", "name": "keyword.operator.assignment.mlp"},
    {"match": r"[+\-*/%]", "name": "keyword.operator.arithmetic.mlp"},
    {"match": r"\?", "name": "keyword.operator.optional.mlp"},
]}

repo["punctuation"] = {"patterns": [
    {"match": r",", "name": "punctuation.separator.comma.mlp"},
    {"match": r";", "name": "punctuation.terminator.statement.mlp"},
    {"match": r":", "name": "punctuation.separator.key-value.mlp"},
    {"match": r"\.", "name": "punctuation.accessor.mlp"},
]}

GRAMMAR = {
    "name": "MLP",
    "scopeName": "source.mlp",
    "fileTypes": ["mlp"],
    "comment": "The .mlp pipeline language of mlpc; follows grammar/MlpLexer.g4 and grammar/MlpParser.g4.",
    "patterns": [
        {"include": "#comments"},
        {"include": "#import"},
        {"include": "#annotation"},
        {"include": "#schema-declaration"},
        {"include": "#artifact-declaration"},
        {"include": "#component-declaration"},
        {"include": "#pipeline-declaration"},
        {"include": "#expression"},
    ],
    "repository": repo,
}


def main():
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "mlp.tmLanguage.json")
    text = json.dumps(GRAMMAR, indent=2) + "\n"
    if "--check" in sys.argv[1:]:
        with open(path, encoding="utf-8") as f:
            if f.read() != text:
                sys.exit(f"{path} is out of date: run {sys.argv[0]}")
        return
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


if __name__ == "__main__":
    main()
