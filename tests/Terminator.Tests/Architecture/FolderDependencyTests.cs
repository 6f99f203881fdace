using System.Reflection;
using System.Reflection.Emit;
using Terminator.Certificates;

namespace Terminator.Tests.Architecture;

/// <summary>
/// Keeps the library's layering: each folder (= namespace) may use only the folders listed for it, so dependencies run
/// one way (<c>Listener ← Tls ← Certificates ← Storage ← Fleet</c>, <c>Acme ← Fleet</c>, <c>Domains ← Fleet</c>, <c>Admin ← Fleet</c>, <c>Listener ← Proxy → Http, Upstream, AccessLog</c>, <c>Listener ← ProxyProtocol</c>, everything ←
/// <c>Hosting</c>). Checked on the compiled assembly: every type a folder's code touches — in signatures, fields, base
/// types, and every method body's IL (calls, field accesses, type tokens), compiler-generated state machines
/// included — must come from the folder itself, an allowed folder, or outside the library.
/// </summary>
public sealed class FolderDependencyTests
{
    // Leaves: usable by everyone, using nothing of ours.
    private static readonly string[] Leaves = ["Configuration", "Diagnostics", "Infrastructure"];

    private static readonly Dictionary<string, string[]> Allowed = new()
    {
        ["Configuration"] = [],
        ["Diagnostics"] = [],
        ["Infrastructure"] = [],
        ["Http"] = [],
        ["AccessLog"] = [.. Leaves, "Interop"],
        ["Upstream"] = [.. Leaves],
        ["Interop"] = [.. Leaves, "Tls"],
        ["Listener"] = [.. Leaves],
        ["Tls"] = [.. Leaves, "Listener"],
        ["Certificates"] = [.. Leaves, "Listener", "Tls"],
        ["Storage"] = [.. Leaves, "Certificates"],
        ["Domains"] = [.. Leaves, "Storage"],
        // Fleet implements Acme's, Domains' and Admin's seams (shared challenges, order leases, the ACME account, the shared
        // managed-domain registry, the fleet view); none of them knows anything of PostgreSQL.
        ["Fleet"] = [.. Leaves, "Certificates", "Storage", "Acme", "Domains", "Admin"],
        ["Admin"] = [.. Leaves, "Listener", "Http", "Domains"],
        ["Caching"] = [.. Leaves, "Http"],
        ["Proxy"] = [.. Leaves, "Listener", "Http", "Upstream", "AccessLog", "Caching"],
        ["ProxyProtocol"] = [.. Leaves, "Listener"],
        ["Acme"] = [.. Leaves, "Listener", "Tls", "Certificates", "Storage", "Proxy", "Http", "Domains"],
        ["Hosting"] = [.. Leaves, "Listener", "Tls", "Certificates", "Storage", "Proxy", "Http", "Upstream", "Interop", "Acme", "Domains", "Admin", "ProxyProtocol", "AccessLog", "Caching"],
    };

    [Fact]
    public void EveryFolder_DependsOnlyOnAllowedFolders()
    {
        Assembly library = typeof(CertificateMap).Assembly;
        var violations = new SortedSet<string>(StringComparer.Ordinal);
        foreach (Type type in library.GetTypes())
        {
            string? folder = FolderOf(type);
            if (folder is null)
            {
                continue; // compiler-generated types at the root (<PrivateImplementationDetails>)
            }

            Assert.True(Allowed.ContainsKey(folder), $"folder {folder} ({type.FullName}) has no entry in the layering table");
            foreach (Type used in TypesUsedBy(type))
            {
                if (used.Assembly != library || FolderOf(used) is not { } target || target == folder || Allowed[folder].Contains(target))
                {
                    continue;
                }

                violations.Add($"{folder} -> {target}: {Outermost(type).FullName} uses {Outermost(used).FullName}");
            }
        }

        Assert.True(violations.Count == 0, "dependencies running the wrong way:\n" + string.Join('\n', violations));
    }

    [Fact]
    public void Check_CatchesADependencyInAMethodBody()
    {
        // The scanner itself must see through IL, or the test above could pass by seeing nothing.
        Type[] used = [.. TypesUsedBy(typeof(FolderDependencyProbe))];
        Assert.Contains(typeof(CertificateMap), used);
    }

    private static string? FolderOf(Type type)
    {
        string? ns = Outermost(type).Namespace;
        if (ns is null || !ns.StartsWith("Terminator.", StringComparison.Ordinal))
        {
            return null;
        }

        string rest = ns["Terminator.".Length..];
        int dot = rest.IndexOf('.', StringComparison.Ordinal);
        return dot < 0 ? rest : rest[..dot];
    }

    private static Type Outermost(Type type)
    {
        while (type.DeclaringType is not null)
        {
            type = type.DeclaringType;
        }

        return type;
    }

    private const BindingFlags Everything = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;

    private static HashSet<Type> TypesUsedBy(Type type)
    {
        var used = new HashSet<Type>();
        void Add(Type? t)
        {
            if (t is null)
            {
                return;
            }

            if (t.HasElementType)
            {
                Add(t.GetElementType());
                return;
            }

            if (!used.Add(t))
            {
                return;
            }

            if (t.IsGenericType)
            {
                foreach (Type argument in t.GetGenericArguments())
                {
                    Add(argument);
                }
            }
        }

        Add(type.BaseType);
        foreach (Type implemented in type.GetInterfaces())
        {
            Add(implemented);
        }

        foreach (FieldInfo field in type.GetFields(Everything))
        {
            Add(field.FieldType);
        }

        foreach (PropertyInfo property in type.GetProperties(Everything))
        {
            Add(property.PropertyType);
        }

        foreach (MethodBase method in type.GetMethods(Everything).Cast<MethodBase>().Concat(type.GetConstructors(Everything)))
        {
            if (method is MethodInfo info)
            {
                Add(info.ReturnType);
            }

            foreach (ParameterInfo parameter in method.GetParameters())
            {
                Add(parameter.ParameterType);
            }

            MethodBody? body = method.GetMethodBody();
            if (body is null)
            {
                continue;
            }

            foreach (LocalVariableInfo local in body.LocalVariables)
            {
                Add(local.LocalType);
            }

            foreach (int token in MemberTokens(body.GetILAsByteArray()!))
            {
                try
                {
                    Type[]? typeArguments = type.IsGenericType ? type.GetGenericArguments() : null;
                    Type[]? methodArguments = method.IsGenericMethod ? method.GetGenericArguments() : null;
                    MemberInfo? member = type.Module.ResolveMember(token, typeArguments, methodArguments);
                    Add(member as Type ?? member?.DeclaringType);
                    if (member is FieldInfo resolvedField)
                    {
                        Add(resolvedField.FieldType);
                    }
                }
                catch (ArgumentException)
                {
                    // A token that does not resolve in this generic context (a generic parameter of another method).
                }
            }
        }

        return used;
    }

    private static readonly Dictionary<short, OpCode> s_opCodes = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!)
        .ToDictionary(o => o.Value);

    /// <summary>The metadata tokens of every instruction that names a member or type.</summary>
    private static IEnumerable<int> MemberTokens(byte[] il)
    {
        int position = 0;
        while (position < il.Length)
        {
            short value = il[position++];
            if (value == 0xFE)
            {
                value = unchecked((short)(0xFE00 | il[position++]));
            }

            OpCode opCode = s_opCodes[value];
            switch (opCode.OperandType)
            {
                case OperandType.InlineMethod or OperandType.InlineField or OperandType.InlineType or OperandType.InlineTok:
                    yield return BitConverter.ToInt32(il, position);
                    position += 4;
                    break;
                case OperandType.InlineNone:
                    break;
                case OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar:
                    position += 1;
                    break;
                case OperandType.InlineVar:
                    position += 2;
                    break;
                case OperandType.InlineI8 or OperandType.InlineR:
                    position += 8;
                    break;
                case OperandType.InlineSwitch:
                    int count = BitConverter.ToInt32(il, position);
                    position += 4 + (4 * count);
                    break;
                default: // InlineBrTarget, InlineI, InlineSig, InlineString, ShortInlineR
                    position += 4;
                    break;
            }
        }
    }
}

/// <summary>A type whose only reference to the library is inside a method body (for the scanner's self-check).</summary>
internal static class FolderDependencyProbe
{
    public static int Count() => new CertificateMap().Count;
}
