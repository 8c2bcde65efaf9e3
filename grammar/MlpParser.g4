// Parser for the .mlp pipeline language. The tree it builds is turned into
// the AST by frontend/parse/AstBuilder.cpp and then dropped.
//
// The grammar is deliberately permissive where the checker can say more than
// the parser could: component bodies and task options are generic property
// blocks (`name: value` or `name { ... }`), validated by the checker with
// "unknown property, did you mean ..." diagnostics.
parser grammar MlpParser;

options { tokenVocab = MlpLexer; }

file
  : importDecl* decl* EOF
  ;

importDecl
  : IMPORT (modulePath | STRING) (AS name)? SEMI?
  ;

modulePath
  : name (DOT name)*
  ;

decl
  : annotation* declBody
  ;

declBody
  : SCHEMA name LBRACE fieldList? RBRACE                        # schemaDecl
  | RECORD name LBRACE fieldList? RBRACE                        # recordDecl
  | ARTIFACT name COLON qualifiedName (LBRACE property* RBRACE)? # artifactDecl
  | COMPONENT name typeParams? LPAREN paramList? RPAREN outputs?
      LBRACE property* RBRACE                                   # componentDecl
  | PIPELINE name LPAREN paramList? RPAREN outputs? block       # pipelineDecl
  ;

annotation
  : AT name (LPAREN argList? RPAREN)?
  ;

outputs
  : ARROW LPAREN paramList? RPAREN
  ;

typeParams
  : LT name (COMMA name)* GT
  ;

fieldList
  : field (COMMA field)* COMMA?
  ;

field
  : name COLON type (ASSIGN expr)?
  ;

paramList
  : param (COMMA param)* COMMA?
  ;

param
  : name COLON type (ASSIGN expr)?
  ;

// Types: `int`, `list<T>`, `map<string, T>`, `Dataset<Penguin>`,
// `Dataset<{a: int}>`, `Dataset<*>`, `Dataset<S.require(columns)>`, `T?`.
type
  : typeAtom schemaOp* QUESTION?
  ;

typeAtom
  : qualifiedName typeArgs?        # namedType
  | LBRACE fieldList? RBRACE       # inlineRecordType
  | STAR                           # anySchemaType
  ;

// A schema operation derives an output schema from an input one.
schemaOp
  : DOT name LPAREN argList? RPAREN
  ;

typeArgs
  : LT type (COMMA type)* GT
  ;

qualifiedName
  : name (DOT name)*
  ;

// A property of a component body or a task's `with { ... }` options.
property
  : propertyName COLON expr (COMMA | SEMI)?                  # valueProperty
  | propertyName LBRACE property* RBRACE (COMMA | SEMI)?     # blockProperty
  ;

// `pipeline: p` in a dataflow block reads better than any synonym.
propertyName
  : name
  | PIPELINE
  ;

block
  : LBRACE stmt* RBRACE
  ;

stmt
  : name ASSIGN expr taskOptions? SEMI?                        # bindStmt
  | expr taskOptions? SEMI?                                    # exprStmt
  | IF expr block (ELSE IF expr block)* (ELSE block)?          # ifStmt
  | FOR name IN expr (PARALLEL expr)? block                    # forStmt
  | FINALLY (LPAREN name RPAREN)? block                        # finallyStmt
  | RETURN LPAREN argList? RPAREN SEMI?                        # returnStmt
  ;

taskOptions
  : WITH LBRACE property* RBRACE
  ;

// The `${...}` part of a string, parsed on its own by the AST builder.
interpolation
  : expr EOF
  ;

// One left-recursive rule, alternatives in precedence order (highest first).
expr
  : primary                                         # primaryExpr
  | expr DOT name                                   # memberExpr
  | expr LBRACK expr RBRACK                         # indexExpr
  | expr typeArgs? LPAREN argList? RPAREN           # callExpr
  | op=(MINUS | NOT) expr                           # unaryExpr
  | expr op=(STAR | SLASH | PERCENT) expr           # binaryExpr
  | expr op=(PLUS | MINUS) expr                     # binaryExpr
  | expr op=(LT | LE | GT | GE) expr                # binaryExpr
  | expr op=(EQ | NE) expr                          # binaryExpr
  | expr op=AND expr                                # binaryExpr
  | expr op=OR expr                                 # binaryExpr
  ;

primary
  : INT                                             # intLiteral
  | FLOAT                                           # floatLiteral
  | STRING                                          # stringLiteral
  | (TRUE | FALSE)                                  # boolLiteral
  | NONE                                            # noneLiteral
  | name                                            # nameRef
  | LPAREN expr RPAREN                              # parenExpr
  | LBRACK (expr (COMMA expr)* COMMA?)? RBRACK      # listLiteral
  | LBRACE (entry (COMMA entry)* COMMA?)? RBRACE    # mapLiteral
  ;

// `?` after an entry's value marks an optional column, in a schema
// operation's `.add({score: float?})` only (the AST builder says so elsewhere).
entry
  : (name | STRING) COLON expr QUESTION?
  ;

argList
  : arg (COMMA arg)* COMMA?
  ;

arg
  : (argName COLON)? expr
  ;

// `else:` names the otherwise-list of `if_present(x, then: [...], else: [...])`.
argName
  : name
  | ELSE
  ;

// Soft keywords may be used as names where no ambiguity arises: `schema`
// starts a declaration only at the top level, and TFX names an input so.
name
  : ID
  | QUOTED_ID
  | PARALLEL
  | SCHEMA
  ;
