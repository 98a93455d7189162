import { dirname, relative } from 'node:path';
import ts from 'typescript';

/** A named type a public signature uses that the entry does not export, and where it is used. */
export interface MissingType {
  name: string;
  declaredIn: string;
  usedBy: string;
}

/**
 * Walks every export of `entry` (declarations, their members, signatures, base types,
 * type arguments) and lists the named types declared under `declaredUnder` that a consumer
 * would meet but could not import from the entry. Private and #private members are not walked.
 * Compiler options come from `configPath`.
 */
export function missingPublicTypes(entry: string, declaredUnder: string, configPath: string): MissingType[] {
  const config = ts.readConfigFile(configPath, (path) => ts.sys.readFile(path));
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, dirname(configPath));
  const program = ts.createProgram([entry], { ...parsed.options, noEmit: true });
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(entry);
  if (source === undefined) throw new Error(`${entry} is not in the program`);
  const moduleSymbol = checker.getSymbolAtLocation(source);
  if (moduleSymbol === undefined) throw new Error(`${entry} has no module symbol`);

  const exported = new Set<ts.Symbol>();
  for (const symbol of checker.getExportsOfModule(moduleSymbol)) exported.add(resolved(checker, symbol));

  const missing = new Map<string, MissingType>();
  const seenTypes = new Set<ts.Type>();
  const seenSymbols = new Set<ts.Symbol>();
  const inSrc = (file: string): boolean => file.startsWith(declaredUnder) && !file.includes('node_modules');

  const visitSymbol = (symbol: ts.Symbol, usedBy: string): void => {
    const target = resolved(checker, symbol);
    const declarations = target.declarations ?? [];
    const declaration = declarations[0];
    if (declaration === undefined || !inSrc(declaration.getSourceFile().fileName)) return;
    const named = declarations.some(
      (d) =>
        ts.isInterfaceDeclaration(d) ||
        ts.isTypeAliasDeclaration(d) ||
        ts.isClassDeclaration(d) ||
        ts.isEnumDeclaration(d),
    );
    if (named && !exported.has(target)) {
      const name = target.getName();
      if (!missing.has(name))
        missing.set(name, { name, declaredIn: relative(declaredUnder, declaration.getSourceFile().fileName), usedBy });
    }
    if (seenSymbols.has(target)) return;
    seenSymbols.add(target);
    for (const d of declarations) visitDeclaration(d, target.getName());
  };

  const visitType = (type: ts.Type, usedBy: string): void => {
    if (seenTypes.has(type)) return;
    seenTypes.add(type);
    const symbol = type.aliasSymbol ?? type.getSymbol();
    if (symbol !== undefined) visitSymbol(symbol, usedBy);
    for (const argument of type.aliasTypeArguments ?? []) visitType(argument, usedBy);
    if (type.isUnionOrIntersection()) for (const part of type.types) visitType(part, usedBy);
    if (isReference(type)) for (const argument of checker.getTypeArguments(type)) visitType(argument, usedBy);
    const constructs = type.getConstructSignatures().filter((signature) => !isPrivate(signature.getDeclaration()));
    for (const signature of [...type.getCallSignatures(), ...constructs]) visitSignature(signature, usedBy);
  };

  const visitSignature = (signature: ts.Signature, usedBy: string): void => {
    for (const parameter of signature.getParameters()) {
      const declaration = parameter.valueDeclaration;
      if (declaration !== undefined) visitType(checker.getTypeOfSymbolAtLocation(parameter, declaration), usedBy);
    }
    visitType(signature.getReturnType(), usedBy);
  };

  const visitDeclaration = (declaration: ts.Declaration, usedBy: string): void => {
    const type = checker.getTypeAtLocation(
      ts.isClassDeclaration(declaration) || ts.isInterfaceDeclaration(declaration)
        ? (declaration.name ?? declaration)
        : declaration,
    );
    if (ts.isClassDeclaration(declaration)) {
      visitType(
        checker.getTypeOfSymbolAtLocation(
          checker.getSymbolAtLocation(declaration.name ?? declaration) ?? type.symbol,
          declaration,
        ),
        usedBy,
      );
    }
    for (const property of checker.getPropertiesOfType(type)) {
      if (isHidden(property)) continue;
      const propertyDeclaration = property.valueDeclaration ?? property.declarations?.[0];
      if (propertyDeclaration !== undefined)
        visitType(checker.getTypeOfSymbolAtLocation(property, propertyDeclaration), `${usedBy}.${property.getName()}`);
    }
    for (const base of type.isClassOrInterface() ? checker.getBaseTypes(type) : []) visitType(base, usedBy);
    visitType(type, usedBy);
    if (ts.isFunctionDeclaration(declaration) || ts.isVariableDeclaration(declaration))
      visitType(checker.getTypeAtLocation(declaration), usedBy);
  };

  for (const symbol of exported) {
    seenSymbols.add(symbol);
    for (const declaration of symbol.declarations ?? []) visitDeclaration(declaration, symbol.getName());
  }
  return [...missing.values()].sort((a, b) => a.name.localeCompare(b.name));
}

function resolved(checker: ts.TypeChecker, symbol: ts.Symbol): ts.Symbol {
  return symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
}

function isReference(type: ts.Type): type is ts.TypeReference {
  return (
    (type.flags & ts.TypeFlags.Object) !== 0 && ((type as ts.ObjectType).objectFlags & ts.ObjectFlags.Reference) !== 0
  );
}

function isHidden(property: ts.Symbol): boolean {
  if (property.getName().startsWith('#') || property.getName().startsWith('__#')) return true;
  const declaration = property.valueDeclaration ?? property.declarations?.[0];
  return declaration !== undefined && isPrivate(declaration);
}

function isPrivate(declaration: ts.Declaration | undefined): boolean {
  // A signature without a declaration is the implicit public constructor.
  if (declaration === undefined) return false;
  return (ts.getCombinedModifierFlags(declaration) & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected)) !== 0;
}
