// asc transform for the coverage build (asconfig.json target "coverage"): before the program
// is compiled, inserts a hit counter on every function entry and every branch arm of the core's
// sources, so that test/fuzz can measure which branches the fuzzer reaches.
//
// Probes are placed in the AST, not in Binaryen IR, so that @inline helpers keep their own
// source-level probes after being inlined and every probe names a file, line and function:
//   function entry   first statement of every function body
//   if / else        both arms, the missing else included (`if (c) return x;` has two arms)
//   c ? a : b        both arms
//   a && b, a || b   the right operand evaluated (the short-circuit arm is the enclosing if's)
//   switch case      each case body
// Counters are u32 words in the module's static data (`memory.data`), so they live below
// heapBase; coverageCounters() and coverageProbeCount() are exported, and the probe table
// (id → file, line, column, kind, function) is written to PROBES_FILE.
import { Node, NodeKind, Token } from 'assemblyscript';
import { Transform } from 'assemblyscript/transform';

/** Probe table written next to build/core.coverage.wasm; test/fuzz/coverage.ts reads it. */
const PROBES_FILE = 'build/core.coverage.probes.json';
/** Sources instrumented: the core itself, never the standard library. */
const INSTRUMENTED = /^assembly\//;
const HIT_FUNCTION = '__coverageHit';
const COUNTERS_SOURCE = 'assembly/coverage-counters.generated';

class CoverageTransform extends Transform {
  afterParse(parser) {
    const probes = [];
    for (const source of parser.sources) {
      if (!INSTRUMENTED.test(source.normalizedPath)) continue;
      const walker = new Walker(source, probes);
      for (const statement of source.statements) walker.visit(statement, null);
    }
    parser.parseFile(countersSource(probes.length), `${COUNTERS_SOURCE}.ts`, true);
    const table = { version: 1, probes };
    return this.writeFile(PROBES_FILE, JSON.stringify(table, null, 1), this.baseDir);
  }
}

/** The source that holds the counters; parsed as an entry so that its exports are exported. */
function countersSource(count) {
  return `
const COUNTERS: usize = memory.data(${Math.max(count, 1) * 4}, 16);
@global @inline function ${HIT_FUNCTION}(id: u32): void {
  const at = COUNTERS + (<usize>id << 2);
  store<u32>(at, load<u32>(at) + 1);
}
export function coverageCounters(): usize {
  return COUNTERS;
}
export function coverageProbeCount(): u32 {
  return ${count};
}
`;
}

/** Walks one source's AST, inserting probes and recording them in `probes`. */
class Walker {
  constructor(source, probes) {
    this.source = source;
    this.probes = probes;
  }

  /** A call `__coverageHit(id)` for a new probe of `kind` at `node`. */
  hit(node, kind, fn) {
    const id = this.probes.length;
    const line = this.source.lineAt(node.range.start);
    const column = this.source.columnAt();
    this.probes.push({ id, file: this.source.normalizedPath, line, column, kind, function: fn });
    const range = node.range;
    const callee = Node.createIdentifierExpression(HIT_FUNCTION, range);
    const arg = Node.createIntegerLiteralExpression(globalThis.i64_new(id, 0), range);
    return Node.createCallExpression(callee, null, [arg], range);
  }

  hitStatement(node, kind, fn) {
    return Node.createExpressionStatement(this.hit(node, kind, fn));
  }

  /** Prepends a probe to statement `body`, returning the block that replaces it. */
  armed(body, anchor, kind, fn) {
    const probe = this.hitStatement(anchor, kind, fn);
    const rest = body === null ? [] : [body];
    return Node.createBlockStatement([probe, ...rest], anchor.range);
  }

  visit(node, fn) {
    if (node === null || typeof node !== 'object') return;
    if (Array.isArray(node)) {
      for (const item of node) this.visit(item, fn);
      return;
    }
    if (typeof node.kind !== 'number' || node.range === undefined) return;
    switch (node.kind) {
      case NodeKind.FunctionDeclaration:
      case NodeKind.MethodDeclaration:
        return this.visitFunction(node, fn);
      case NodeKind.If:
        return this.visitIf(node, fn);
      case NodeKind.Ternary:
        return this.visitTernary(node, fn);
      case NodeKind.Binary:
        return this.visitBinary(node, fn);
      case NodeKind.SwitchCase:
        return this.visitCase(node, fn);
      case NodeKind.Decorator:
        return;
      default:
        return this.visitChildren(node, fn);
    }
  }

  visitChildren(node, fn) {
    for (const key of Object.keys(node)) {
      // range points back at the Source (a cycle); types hold no code.
      if (key === 'range' || key === 'type' || key === 'returnType') continue;
      this.visit(node[key], fn);
    }
  }

  visitFunction(node, outer) {
    const fn = outer === null ? node.name.text : `${outer}.${node.name.text}`;
    const body = node.body;
    if (body === null || body.kind !== NodeKind.Block) return this.visitChildren(node, fn);
    const entry = this.hitStatement(node.name, 'entry', fn);
    this.visit(body.statements, fn);
    body.statements.unshift(entry);
  }

  visitIf(node, fn) {
    this.visit(node.condition, fn);
    const thenProbe = this.hitStatement(node.ifTrue, 'then', fn);
    this.visit(node.ifTrue, fn);
    const elseAnchor = node.ifFalse ?? node;
    const elseProbe = this.hitStatement(elseAnchor, 'else', fn);
    this.visit(node.ifFalse, fn);
    node.ifTrue = Node.createBlockStatement([thenProbe, node.ifTrue], node.ifTrue.range);
    const elseBody = node.ifFalse === null ? [elseProbe] : [elseProbe, node.ifFalse];
    node.ifFalse = Node.createBlockStatement(elseBody, elseAnchor.range);
  }

  visitTernary(node, fn) {
    this.visit(node.condition, fn);
    const thenProbe = this.hit(node.ifThen, 'then', fn);
    this.visit(node.ifThen, fn);
    const elseProbe = this.hit(node.ifElse, 'else', fn);
    this.visit(node.ifElse, fn);
    node.ifThen = Node.createCommaExpression([thenProbe, node.ifThen], node.ifThen.range);
    node.ifElse = Node.createCommaExpression([elseProbe, node.ifElse], node.ifElse.range);
  }

  visitBinary(node, fn) {
    this.visit(node.left, fn);
    const logical = node.operator === Token.Ampersand_Ampersand || node.operator === Token.Bar_Bar;
    if (!logical) return this.visit(node.right, fn);
    const probe = this.hit(node.right, 'right', fn);
    this.visit(node.right, fn);
    node.right = Node.createCommaExpression([probe, node.right], node.right.range);
  }

  visitCase(node, fn) {
    const probe = this.hitStatement(node, 'case', fn);
    this.visit(node.label, fn);
    this.visit(node.statements, fn);
    node.statements.unshift(probe);
  }
}

export default CoverageTransform;
