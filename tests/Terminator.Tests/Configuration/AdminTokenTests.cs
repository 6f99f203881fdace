using System.Reflection;
using System.Reflection.Emit;
using System.Security.Cryptography;
using System.Text;
using Terminator.Configuration;

namespace Terminator.Tests.Configuration;

public sealed class AdminTokenTests
{
    private const string Value = "s3cr3t-T0ken_with.all~the+chars/0123456789==";

    private static AdminToken Parse(string text)
    {
        Assert.Null(AdminToken.TryParse(text, "TERMINATOR_ADMIN_TOKEN", out AdminToken? token));
        return token!;
    }

    [Fact]
    public void Matches_OnlyTheExactToken()
    {
        AdminToken token = Parse("  " + Value + "\n");
        Assert.True(token.Matches(Encoding.ASCII.GetBytes(Value)));
        Assert.False(token.Matches(Encoding.ASCII.GetBytes(Value[..^1])));
        Assert.False(token.Matches(Encoding.ASCII.GetBytes(Value + "=")));
        Assert.False(token.Matches(Encoding.ASCII.GetBytes(Value.ToUpperInvariant())));
        Assert.False(token.Matches([]));
        Assert.Equal("Bearer " + Value, token.ToAuthorizationValue());
    }

    [Fact]
    public void ToString_IsRedacted()
    {
        AdminToken token = Parse(Value);
        Assert.DoesNotContain(Value, token.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(Value, $"{token}", StringComparison.Ordinal);
        Assert.Contains("redacted", token.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Matches_ComparesSha256DigestsInConstantTime()
    {
        // Timing cannot be asserted reliably in a test; what the code does can: hash both sides to a fixed length, then
        // compare with CryptographicOperations.FixedTimeEquals, and nothing that stops at the first differing byte.
        MethodInfo matches = typeof(AdminToken).GetMethod(nameof(AdminToken.Matches))!;
        List<MethodBase> calls = CalledMethods(matches);
        Assert.Contains(calls, m => m.DeclaringType == typeof(CryptographicOperations) && m.Name == nameof(CryptographicOperations.FixedTimeEquals));
        Assert.Contains(calls, m => m.DeclaringType == typeof(SHA256) && m.Name == nameof(SHA256.HashData));
        Assert.DoesNotContain(calls, m => m.Name is "SequenceEqual" or "Equals" or "op_Equality" or "SequenceCompareTo");

        // The stored side is a digest: the class keeps no comparable copy but the one it sends as a client.
        FieldInfo[] fields = typeof(AdminToken).GetFields(BindingFlags.Instance | BindingFlags.NonPublic);
        Assert.Contains(fields, f => f.Name == "_digest");
    }

    private static List<MethodBase> CalledMethods(MethodInfo method)
    {
        byte[] il = method.GetMethodBody()!.GetILAsByteArray()!;
        var oneByte = new Dictionary<byte, OpCode>();
        var twoByte = new Dictionary<byte, OpCode>();
        foreach (FieldInfo field in typeof(OpCodes).GetFields(BindingFlags.Public | BindingFlags.Static))
        {
            var opCode = (OpCode)field.GetValue(null)!;
            if (opCode.Size == 1)
            {
                oneByte[(byte)opCode.Value] = opCode;
            }
            else
            {
                twoByte[(byte)(opCode.Value & 0xFF)] = opCode;
            }
        }

        var calls = new List<MethodBase>();
        for (int at = 0; at < il.Length;)
        {
            OpCode op = il[at] == 0xFE ? twoByte[il[at + 1]] : oneByte[il[at]];
            at += op.Size;
            int operand = op.OperandType switch
            {
                OperandType.InlineNone => 0,
                OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
                OperandType.InlineVar => 2,
                OperandType.InlineI8 or OperandType.InlineR => 8,
                OperandType.InlineSwitch => 4 + (4 * BitConverter.ToInt32(il, at)),
                _ => 4,
            };
            if (op.OperandType == OperandType.InlineMethod)
            {
                calls.Add(method.Module.ResolveMethod(BitConverter.ToInt32(il, at))!);
            }

            at += operand;
        }

        return calls;
    }
}
