using System.Diagnostics.CodeAnalysis;
using System.Formats.Asn1;
using System.Reflection;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Terminator.Certificates;

/// <summary>
/// Attaches an ECDSA private key to its certificate as <see cref="ECDsaCertificateExtensions.CopyWithPrivateKey"/> does,
/// with the key/certificate match done on the public point's bytes instead of through an imported public key.
/// </summary>
/// <remarks>
/// The runtime's CopyWithPrivateKey first imports the certificate's public key (<c>GetECDsaPublicKey</c>: an OpenSSL
/// EC_KEY built from the point, which OpenSSL checks with a scalar multiplication), exports it and the private key's
/// public parameters, compares them, and only then copies the certificate with the key. In the daemon that import
/// was one of the two <c>CryptoNative_EcKeyCreateByKeyParameters</c> calls of every first handshake (uprobe counts,
/// bench/README.md "Where the daemon's first handshake goes beyond the harness"), ~100-150 µs of CPU per name.
/// Here the match compares the certificate's SubjectPublicKeyInfo (curve OID and uncompressed point, read from the
/// certificate's DER) with the key's exported public point: the same test, without a key import. The key's point is
/// the one OpenSSL checked against its private scalar when the key was imported, so equal points mean the same key.
/// <para>The copy itself is the runtime's own (the certificate's internal platform object, its <c>CopyWithPrivateKey</c>
/// and X509Certificate2's internal constructor over the result), found by reflection once. If a runtime update moves
/// them, <see cref="Attach"/> falls back to the public CopyWithPrivateKey for the rest of the process (correct, only
/// slower) and <c>EcdsaKeyAttacherTests.AttachesWithoutThePublicKeyImport</c> fails, so the upgrade is seen.</para>
/// </remarks>
internal static class EcdsaKeyAttacher
{
    private const string EcPublicKeyOid = "1.2.840.10045.2.1";

    private static readonly RuntimeMembers? s_runtime = RuntimeMembers.Find();
    private static int s_runtimeMembersFailed;

    /// <summary>True while keys are attached without the runtime's public-key import (false when the runtime's members
    /// were not found or failed once).</summary>
    public static bool AttachesDirectly => s_runtime is not null && Volatile.Read(ref s_runtimeMembersFailed) == 0;

    /// <summary>A copy of <paramref name="certificate"/> holding <paramref name="privateKey"/>.</summary>
    /// <exception cref="ArgumentException">The key is not the certificate's (the runtime's exception for the same case).</exception>
    /// <exception cref="CryptographicException">The certificate's public key is not an EC key, or the copy failed.</exception>
    public static X509Certificate2 Attach(X509Certificate2 certificate, ECDsa privateKey)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        ArgumentNullException.ThrowIfNull(privateKey);
        RuntimeMembers? runtime = s_runtime;
        if (runtime is null || Volatile.Read(ref s_runtimeMembersFailed) != 0 || certificate.HasPrivateKey)
        {
            // HasPrivateKey: the runtime's InvalidOperationException says it better than we would.
            return certificate.CopyWithPrivateKey(privateKey);
        }

        switch (Matches(certificate, privateKey))
        {
            case PointMatch.Different:
                throw new ArgumentException("The provided key does not match the public key for this certificate.", nameof(privateKey));
            case PointMatch.Unknown:
                return certificate.CopyWithPrivateKey(privateKey);
        }

        object? copy;
        try
        {
            object? pal = runtime.Pal.GetValue(certificate);
            copy = pal is null ? null : runtime.Copy.Invoke(pal, [privateKey]);
        }
        catch (TargetInvocationException ex) when (ex.InnerException is CryptographicException inner)
        {
            throw inner;
        }

        if (copy is null || !runtime.PalType.IsInstanceOfType(copy))
        {
            Volatile.Write(ref s_runtimeMembersFailed, 1);
            return certificate.CopyWithPrivateKey(privateKey);
        }

        return (X509Certificate2)runtime.Constructor.Invoke([copy]);
    }

    private enum PointMatch
    {
        Same,
        Different,
        Unknown,
    }

    /// <summary>Compares the certificate's curve and point with the key's public parameters (one export, no import).</summary>
    private static PointMatch Matches(X509Certificate2 certificate, ECDsa privateKey)
    {
        PublicKey publicKey = certificate.PublicKey;
        if (publicKey.Oid.Value != EcPublicKeyOid || publicKey.EncodedParameters is not { RawData: { } curveDer })
        {
            return PointMatch.Unknown;
        }

        ECParameters parameters = privateKey.ExportParameters(includePrivateParameters: false);
        string? keyCurve = parameters.Curve.IsNamed ? parameters.Curve.Oid.Value : null;
        if (keyCurve is null || parameters.Q.X is not { } x || parameters.Q.Y is not { } y)
        {
            return PointMatch.Unknown;
        }

        string certificateCurve;
        try
        {
            certificateCurve = AsnDecoder.ReadObjectIdentifier(curveDer, AsnEncodingRules.DER, out _);
        }
        catch (AsnContentException)
        {
            // Explicit curve parameters rather than a named curve: leave the comparison to the runtime.
            return PointMatch.Unknown;
        }

        // SubjectPublicKey of an EC key: the uncompressed point 04 || X || Y (RFC 5480 §2.2); a compressed one is left
        // to the runtime.
        ReadOnlySpan<byte> point = publicKey.EncodedKeyValue.RawData;
        if (point.Length != 1 + x.Length + y.Length || point[0] != 0x04)
        {
            return PointMatch.Unknown;
        }

        return certificateCurve == keyCurve && point.Slice(1, x.Length).SequenceEqual(x) && point[(1 + x.Length)..].SequenceEqual(y)
            ? PointMatch.Same
            : PointMatch.Different;
    }

    /// <summary>The runtime's internal members the copy goes through (dotnet/runtime 10: <c>X509Certificate2.Pal</c>, an
    /// <c>ICertificatePal</c>; that interface's <c>CopyWithPrivateKey(ECDsa)</c>; <c>X509Certificate2(ICertificatePal)</c>).</summary>
    private sealed class RuntimeMembers(PropertyInfo pal, MethodInfo copy, ConstructorInfo constructor)
    {
        public PropertyInfo Pal { get; } = pal;
        public Type PalType => Pal.PropertyType;
        public MethodInfo Copy { get; } = copy;
        public ConstructorInfo Constructor { get; } = constructor;

        // A trimmed (NativeAOT) build may lack these members: Find returns null and Attach uses the public API.
        [UnconditionalSuppressMessage("Trimming", "IL2075", Justification = "Missing members fall back to CopyWithPrivateKey.")]
        [UnconditionalSuppressMessage("Trimming", "IL2070", Justification = "Missing members fall back to CopyWithPrivateKey.")]
        public static RuntimeMembers? Find()
        {
            try
            {
                PropertyInfo? pal = typeof(X509Certificate2).GetProperty("Pal", BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.DeclaredOnly);
                if (pal is null || !pal.PropertyType.IsInterface)
                {
                    return null;
                }

                MethodInfo? copy = pal.PropertyType.GetMethod("CopyWithPrivateKey", BindingFlags.Instance | BindingFlags.Public, [typeof(ECDsa)]);
                ConstructorInfo? constructor = typeof(X509Certificate2).GetConstructor(BindingFlags.Instance | BindingFlags.NonPublic, [pal.PropertyType]);
                return copy is null || constructor is null || !pal.PropertyType.IsAssignableFrom(copy.ReturnType) ? null : new RuntimeMembers(pal, copy, constructor);
            }
            catch (AmbiguousMatchException)
            {
                return null;
            }
        }
    }
}
