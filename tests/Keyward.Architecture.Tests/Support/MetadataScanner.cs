using System.Collections.Immutable;
using System.Reflection;
using System.Reflection.Emit;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;
using System.Text.RegularExpressions;

namespace Keyward.Architecture.Tests.Support;

/// <summary>A type, or a member of a type, that compiled code refers to. <see cref="Member"/> is null for the type itself.</summary>
internal sealed record ApiReference(string Type, string? Member)
{
    public string Namespace => Type.LastIndexOf('.') is var dot and > 0 ? Type[..dot] : string.Empty;

    public override string ToString() => Member is null ? Type : $"{Type}.{Member}";
}

/// <summary>
/// Where an assembly uses an API: the method whose IL does (<see cref="UsedBy"/>, with the instruction), or null
/// when the reference sits in metadata only (a signature, an attribute).
/// </summary>
internal sealed record ApiUse(string Assembly, string? UsedBy, ILOpCode? Instruction, ApiReference Api)
{
    public override string ToString() => UsedBy is null
        ? $"{Assembly}: references {Api} (in a signature or attribute)"
        : $"{Assembly}: {UsedBy} uses {Api}";
}

/// <summary>
/// Reads what compiled code refers to, with System.Reflection.Metadata and without loading the assembly: every
/// token in every method body (calls, object creation, field access, <c>typeof</c>), plus the type and member
/// reference tables for references that no method body holds.
/// </summary>
internal static partial class MetadataScanner
{
    private static readonly Dictionary<ushort, OperandType> Operands = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!)
        .ToDictionary(o => (ushort)o.Value, o => o.OperandType);

    public static IReadOnlyList<ApiUse> FindUses(string assemblyPath, Func<ApiReference, bool> match)
    {
        using var stream = File.OpenRead(assemblyPath);
        using var pe = new PEReader(stream);
        var md = pe.GetMetadataReader();
        var assembly = md.GetString(md.GetAssemblyDefinition().Name);
        var names = new TypeNames(md);
        var uses = new List<ApiUse>();
        var seen = new HashSet<EntityHandle>();

        foreach (var typeHandle in md.TypeDefinitions)
        {
            var type = md.GetTypeDefinition(typeHandle);
            foreach (var methodHandle in type.GetMethods())
            {
                var method = md.GetMethodDefinition(methodHandle);
                if (method.RelativeVirtualAddress == 0)
                {
                    continue;
                }

                var il = pe.GetMethodBody(method.RelativeVirtualAddress).GetILReader();
                while (il.RemainingBytes > 0)
                {
                    var (opcode, token) = ReadInstruction(ref il);
                    if (token is not { } handle || Resolve(md, names, handle) is not { } api)
                    {
                        continue;
                    }

                    var referenced = handle.Kind == HandleKind.MethodSpecification ? md.GetMethodSpecification((MethodSpecificationHandle)handle).Method : handle;
                    seen.Add(referenced);
                    if (match(api))
                    {
                        uses.Add(new ApiUse(assembly, Readable(names.Of(typeHandle), md.GetString(method.Name)), opcode, api));
                    }
                }
            }
        }

        // References that no method body holds: field and parameter types, attributes, unused imports of members.
        foreach (var handle in md.TypeReferences.Select(h => (EntityHandle)h).Concat(md.MemberReferences.Select(h => (EntityHandle)h)))
        {
            if (Resolve(md, names, handle) is { } api && match(api) && !seen.Contains(handle)
                && !uses.Any(u => u.Api.Type == api.Type && (api.Member is null || u.Api == api)))
            {
                uses.Add(new ApiUse(assembly, null, null, api));
            }
        }

        return uses;
    }

    private static (ILOpCode OpCode, EntityHandle? Token) ReadInstruction(ref BlobReader il)
    {
        ushort value = il.ReadByte();
        if (value == 0xFE)
        {
            value = (ushort)(0xFE00 | il.ReadByte());
        }

        var operand = Operands[value];
        EntityHandle? token = null;
        switch (operand)
        {
            case OperandType.InlineField or OperandType.InlineMethod or OperandType.InlineTok or OperandType.InlineType:
                token = MetadataTokens.EntityHandle(il.ReadInt32());
                break;
            case OperandType.InlineSwitch:
                var targets = il.ReadInt32(); // Read first: 'Offset += 4 * ReadInt32()' would add to the offset from before the read.
                il.Offset += 4 * targets;
                break;
            default:
                il.Offset += operand switch
                {
                    OperandType.InlineNone => 0,
                    OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
                    OperandType.InlineVar => 2,
                    OperandType.InlineI8 or OperandType.InlineR => 8,
                    _ => 4,
                };
                break;
        }

        return ((ILOpCode)value, token);
    }

    private static ApiReference? Resolve(MetadataReader md, TypeNames names, EntityHandle handle)
    {
        switch (handle.Kind)
        {
            case HandleKind.TypeReference or HandleKind.TypeDefinition or HandleKind.TypeSpecification:
                return new ApiReference(names.Of(handle), null);
            case HandleKind.MemberReference:
                var member = md.GetMemberReference((MemberReferenceHandle)handle);
                return member.Parent.Kind is HandleKind.TypeReference or HandleKind.TypeDefinition or HandleKind.TypeSpecification
                    ? new ApiReference(names.Of(member.Parent), md.GetString(member.Name))
                    : null;
            case HandleKind.MethodDefinition:
                var method = md.GetMethodDefinition((MethodDefinitionHandle)handle);
                return new ApiReference(names.Of(method.GetDeclaringType()), md.GetString(method.Name));
            case HandleKind.FieldDefinition:
                var field = md.GetFieldDefinition((FieldDefinitionHandle)handle);
                return new ApiReference(names.Of(field.GetDeclaringType()), md.GetString(field.Name));
            case HandleKind.MethodSpecification:
                return Resolve(md, names, md.GetMethodSpecification((MethodSpecificationHandle)handle).Method);
            default:
                return null;
        }
    }

    /// <summary>
    /// <c>Type.Method</c> as a person wrote it: code the compiler generated for a lambda, a local function or an
    /// async method is named after the method it is written in.
    /// </summary>
    private static string Readable(string type, string method)
    {
        var parts = type.Split('+');
        var written = string.Join('+', parts.TakeWhile(p => !p.StartsWith('<')));
        var generated = string.Join('+', parts.SkipWhile(p => !p.StartsWith('<'))) + "::" + method;
        var origin = OriginalMethod().Match(generated);
        return origin.Success ? $"{written}.{origin.Groups["method"].Value}" : $"{type}.{method}";
    }

    // The first <Name> in a generated type or method name: <IssueAsync>d__2, <Map>b__0_1, <<Map>b__0_5>d, <Run>g__Local|0_0.
    [GeneratedRegex(@"<(?<method>[A-Za-z_][A-Za-z0-9_]*)>")]
    private static partial Regex OriginalMethod();

    /// <summary>Full names of types (<c>Namespace.Outer+Inner</c>; generic instances by their generic type).</summary>
    private sealed class TypeNames(MetadataReader md) : ISignatureTypeProvider<string, object?>
    {
        public string Of(EntityHandle handle) => handle.Kind switch
        {
            HandleKind.TypeDefinition => GetTypeFromDefinition(md, (TypeDefinitionHandle)handle, 0),
            HandleKind.TypeReference => GetTypeFromReference(md, (TypeReferenceHandle)handle, 0),
            HandleKind.TypeSpecification => md.GetTypeSpecification((TypeSpecificationHandle)handle).DecodeSignature(this, null),
            _ => "?",
        };

        public string GetTypeFromDefinition(MetadataReader reader, TypeDefinitionHandle handle, byte rawTypeKind)
        {
            var type = reader.GetTypeDefinition(handle);
            var name = reader.GetString(type.Name);
            var declaring = type.GetDeclaringType();
            return declaring.IsNil ? Qualify(reader.GetString(type.Namespace), name) : $"{GetTypeFromDefinition(reader, declaring, 0)}+{name}";
        }

        public string GetTypeFromReference(MetadataReader reader, TypeReferenceHandle handle, byte rawTypeKind)
        {
            var type = reader.GetTypeReference(handle);
            var name = reader.GetString(type.Name);
            return type.ResolutionScope.Kind == HandleKind.TypeReference
                ? $"{GetTypeFromReference(reader, (TypeReferenceHandle)type.ResolutionScope, 0)}+{name}"
                : Qualify(reader.GetString(type.Namespace), name);
        }

        public string GetTypeFromSpecification(MetadataReader reader, object? genericContext, TypeSpecificationHandle handle, byte rawTypeKind) =>
            reader.GetTypeSpecification(handle).DecodeSignature(this, genericContext);

        public string GetGenericInstantiation(string genericType, ImmutableArray<string> typeArguments) => genericType;

        public string GetArrayType(string elementType, ArrayShape shape) => elementType + "[*]";

        public string GetSZArrayType(string elementType) => elementType + "[]";

        public string GetByReferenceType(string elementType) => elementType + "&";

        public string GetPointerType(string elementType) => elementType + "*";

        public string GetPinnedType(string elementType) => elementType;

        public string GetModifiedType(string modifier, string unmodifiedType, bool isRequired) => unmodifiedType;

        public string GetGenericMethodParameter(object? genericContext, int index) => "!!" + index;

        public string GetGenericTypeParameter(object? genericContext, int index) => "!" + index;

        public string GetFunctionPointerType(MethodSignature<string> signature) => "method*";

        public string GetPrimitiveType(PrimitiveTypeCode typeCode) => "System." + typeCode;

        private static string Qualify(string ns, string name) => ns.Length == 0 ? name : $"{ns}.{name}";
    }
}
