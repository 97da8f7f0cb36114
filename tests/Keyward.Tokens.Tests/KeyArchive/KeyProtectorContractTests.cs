using System.Diagnostics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Keyward.Crypto.KeyArchive;
using Keyward.Crypto.Protection;
using Keyward.Tokens.Tests.Support;

namespace Keyward.Tokens.Tests.KeyArchive;

/// <summary>
/// What every <see cref="IKeyProtector"/> must do for the key archive. The same test bodies run against the software
/// key store (<see cref="SoftwareKeyStoreContractTests"/>) and against the PKCS#11 protector on a real SoftHSM2
/// token (<see cref="Pkcs11KeyProtectorContractTests"/>).
/// </summary>
/// <remarks>Each test works in a store of its own (a key store file, or a key label prefix on the token).</remarks>
public abstract class KeyProtectorContractTests : IDisposable
{
    private static readonly CertificateBinding Binding = new("cert-0001", Convert.ToHexStringLower(SHA256.HashData("certificate 1"u8)));
    private readonly List<IKeyProtector> _opened = [];

    public static TheoryData<string> KeyKinds => TestKeys.Kinds;

    /// <summary>
    /// Where a flipped bit lands, and what the envelope must then fail with. A flip in the key id length makes the
    /// parser read the id's last character as the high byte of the wrapped length, past the envelope's end.
    /// </summary>
    public static TheoryData<string, KeyArchiveFailure> FlippedBits => new()
    {
        { "magic", KeyArchiveFailure.UnsupportedFormat },
        { "version", KeyArchiveFailure.UnsupportedFormat },
        { "key id length", KeyArchiveFailure.Tampered },
        { "storage key id", KeyArchiveFailure.UnknownStorageKey },
        { "wrapped length", KeyArchiveFailure.Tampered },
        { "wrapped key, first byte", KeyArchiveFailure.Tampered },
        { "wrapped key, middle byte", KeyArchiveFailure.Tampered },
        { "wrapped key, last byte", KeyArchiveFailure.Tampered },
        { "nonce, first byte", KeyArchiveFailure.Tampered },
        { "nonce, last byte", KeyArchiveFailure.Tampered },
        { "tag, first byte", KeyArchiveFailure.Tampered },
        { "tag, last byte", KeyArchiveFailure.Tampered },
        { "ciphertext, first byte", KeyArchiveFailure.Tampered },
        { "ciphertext, middle byte", KeyArchiveFailure.Tampered },
        { "ciphertext, last byte", KeyArchiveFailure.Tampered },
    };

    [Theory]
    [MemberData(nameof(KeyKinds))]
    public void SealOpen_EachKeyKind_GivesBackTheSamePkcs8(string kind)
    {
        var protector = Open(NewStore());
        var pkcs8 = TestKeys.Pkcs8(kind);

        var (envelope, storageKeyId) = ArchiveEnvelope.Seal(protector, pkcs8, Binding);

        Assert.Equal(protector.ActiveStorageKeyId, storageKeyId);
        Assert.Equal(storageKeyId, ArchiveEnvelope.StorageKeyIdOf(envelope));
        Assert.False(envelope.AsSpan().IndexOf(pkcs8.AsSpan(0, 64)) >= 0, "the envelope must not hold the key in the clear");
        Assert.Equal(pkcs8, ArchiveEnvelope.Open(protector, envelope, Binding));
    }

    [Theory]
    [MemberData(nameof(FlippedBits))]
    public void Open_FlippedBit_FailsWithoutReturningTheKey(string where, KeyArchiveFailure expected)
    {
        var protector = Open(NewStore());
        var (envelope, _) = ArchiveEnvelope.Seal(protector, TestKeys.Pkcs8("rsa-2048"), Binding);
        var layout = EnvelopeBytes.Of(envelope);
        var offset = where switch
        {
            "magic" => 0,
            "version" => 3,
            "key id length" => 4,
            "storage key id" => layout.KeyIdOffset + layout.KeyIdLength - 1,
            "wrapped length" => layout.WrappedLengthOffset + 1,
            "wrapped key, first byte" => layout.WrappedOffset,
            "wrapped key, middle byte" => layout.WrappedOffset + (layout.WrappedLength / 2),
            "wrapped key, last byte" => layout.WrappedOffset + layout.WrappedLength - 1,
            "nonce, first byte" => layout.NonceOffset,
            "nonce, last byte" => layout.TagOffset - 1,
            "tag, first byte" => layout.TagOffset,
            "tag, last byte" => layout.CiphertextOffset - 1,
            "ciphertext, first byte" => layout.CiphertextOffset,
            "ciphertext, middle byte" => (layout.CiphertextOffset + envelope.Length) / 2,
            "ciphertext, last byte" => envelope.Length - 1,
            _ => throw new ArgumentOutOfRangeException(nameof(where), where, null),
        };

        var failure = Assert.Throws<KeyArchiveException>(() => ArchiveEnvelope.Open(protector, EnvelopeBytes.FlipBit(envelope, offset), Binding));

        Assert.Equal(expected, failure.Failure);
    }

    [Fact]
    public void Open_WrappedKeyLengthChangedToAnotherWholeBlock_Tampered()
    {
        // 40 → 32 bytes: still a plausible RFC 5649 length, so the storage key itself must reject it.
        var protector = Open(NewStore());
        var (envelope, _) = ArchiveEnvelope.Seal(protector, TestKeys.Pkcs8("ecdsa-p256"), Binding);

        var failure = Assert.Throws<KeyArchiveException>(() => ArchiveEnvelope.Open(protector, EnvelopeBytes.FlipBit(envelope, EnvelopeBytes.Of(envelope).WrappedLengthOffset + 1, bit: 3), Binding));

        Assert.Equal(KeyArchiveFailure.Tampered, failure.Failure);
    }

    [Fact]
    public void Open_OtherCertificateId_Tampered()
    {
        var protector = Open(NewStore());
        var (envelope, _) = ArchiveEnvelope.Seal(protector, TestKeys.Pkcs8("ecdsa-p384"), Binding);

        var failure = Assert.Throws<KeyArchiveException>(() => ArchiveEnvelope.Open(protector, envelope, Binding with { CertificateId = "cert-0002" }));

        Assert.Equal(KeyArchiveFailure.Tampered, failure.Failure);
    }

    [Fact]
    public void Open_OtherThumbprint_Tampered()
    {
        var protector = Open(NewStore());
        var (envelope, _) = ArchiveEnvelope.Seal(protector, TestKeys.Pkcs8("ecdsa-p384"), Binding);
        var otherThumbprint = Convert.ToHexStringLower(SHA256.HashData("certificate 2"u8));

        var failure = Assert.Throws<KeyArchiveException>(() => ArchiveEnvelope.Open(protector, envelope, Binding with { CertificateSha256Hex = otherThumbprint }));

        Assert.Equal(KeyArchiveFailure.Tampered, failure.Failure);
    }

    [Fact]
    public void Open_EnvelopeOfAnotherDeployment_UnknownStorageKey()
    {
        var protector = Open(NewStore());
        var other = OpenUnrelated();
        var (envelope, _) = ArchiveEnvelope.Seal(other, TestKeys.Pkcs8("rsa-2048"), Binding);

        var failure = Assert.Throws<KeyArchiveException>(() => ArchiveEnvelope.Open(protector, envelope, Binding));

        Assert.Equal(KeyArchiveFailure.UnknownStorageKey, failure.Failure);
    }

    [Fact]
    public void Open_WrappedKeyOfAnotherDeploymentUnderThisStoresKeyId_Tampered()
    {
        var protector = Open(NewStore());
        var other = OpenUnrelated();
        var (foreign, _) = ArchiveEnvelope.Seal(other, TestKeys.Pkcs8("rsa-2048"), Binding);
        var relabelled = EnvelopeBytes.WithStorageKeyId(foreign, protector.ActiveStorageKeyId);

        var failure = Assert.Throws<KeyArchiveException>(() => ArchiveEnvelope.Open(protector, relabelled, Binding));

        Assert.Equal(KeyArchiveFailure.Tampered, failure.Failure);
    }

    [Fact]
    public void Rewrap_AfterCreateStorageKey_NewKeyIdSameCiphertextStillOpens()
    {
        var protector = Open(NewStore());
        var pkcs8 = TestKeys.Pkcs8("rsa-3072");
        var (envelope, oldId) = ArchiveEnvelope.Seal(protector, pkcs8, Binding);

        var newId = protector.CreateStorageKey();
        var (rewrapped, rewrappedId) = ArchiveEnvelope.Rewrap(protector, envelope);

        Assert.NotEqual(oldId, newId);
        Assert.Equal(newId, protector.ActiveStorageKeyId);
        Assert.Equal(newId, rewrappedId);
        Assert.Equal(newId, ArchiveEnvelope.StorageKeyIdOf(rewrapped));
        Assert.Equal(EnvelopeBytes.Sealed(envelope), EnvelopeBytes.Sealed(rewrapped));
        Assert.Equal(pkcs8, ArchiveEnvelope.Open(protector, rewrapped, Binding));
        Assert.Equal(pkcs8, ArchiveEnvelope.Open(protector, envelope, Binding));
    }

    [Fact]
    public void RetireStorageKey_AfterRewrap_OldEnvelopeUnknownRewrappedOpens()
    {
        var store = NewStore();
        var protector = Open(store);
        var pkcs8 = TestKeys.Pkcs8("ecdsa-p256");
        var (envelope, oldId) = ArchiveEnvelope.Seal(protector, pkcs8, Binding);
        var newId = protector.CreateStorageKey();
        var (rewrapped, _) = ArchiveEnvelope.Rewrap(protector, envelope);

        protector.RetireStorageKey(oldId);

        Assert.Equal([newId], protector.StorageKeyIds);
        Assert.Equal(KeyArchiveFailure.UnknownStorageKey, Assert.Throws<KeyArchiveException>(() => ArchiveEnvelope.Open(protector, envelope, Binding)).Failure);
        Assert.Equal(pkcs8, ArchiveEnvelope.Open(protector, rewrapped, Binding));

        var restarted = OpenFromAnotherProcess(store);
        Assert.Equal(KeyArchiveFailure.UnknownStorageKey, Assert.Throws<KeyArchiveException>(() => ArchiveEnvelope.Open(restarted, envelope, Binding)).Failure);
        Assert.Equal(pkcs8, ArchiveEnvelope.Open(restarted, rewrapped, Binding));
    }

    [Fact]
    public void RetireStorageKey_ActiveKey_RefusedAndKeyStillWorks()
    {
        var protector = Open(NewStore());
        var pkcs8 = TestKeys.Pkcs8("ecdsa-p256");
        var (envelope, activeId) = ArchiveEnvelope.Seal(protector, pkcs8, Binding);

        var failure = Assert.Throws<KeyArchiveException>(() => protector.RetireStorageKey(activeId));

        Assert.Equal(KeyArchiveFailure.ProtectorRefused, failure.Failure);
        Assert.Contains(activeId, protector.StorageKeyIds);
        Assert.Equal(pkcs8, ArchiveEnvelope.Open(protector, envelope, Binding));
    }

    [Fact]
    public void StorageKeyIds_AfterCreateStorageKey_ListsOldAndNew()
    {
        var protector = Open(NewStore());
        var first = protector.ActiveStorageKeyId;

        var second = protector.CreateStorageKey();

        Assert.Equal(new[] { first, second }.Order(StringComparer.Ordinal), protector.StorageKeyIds.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void SecondInstance_StorageKeyCreatedByTheFirst_UnwrapsAndListsIt()
    {
        // Two server processes sharing one key store: B is already running when A rotates.
        var store = NewStore();
        var a = Open(store);
        var b = OpenFromAnotherProcess(store);
        var pkcs8 = TestKeys.Pkcs8("ecdsa-p384");

        var created = a.CreateStorageKey();
        var (envelope, usedId) = ArchiveEnvelope.Seal(a, pkcs8, Binding);

        Assert.Equal(created, usedId);
        Assert.Equal(pkcs8, ArchiveEnvelope.Open(b, envelope, Binding));
        Assert.Contains(created, b.StorageKeyIds);
    }

    [Fact]
    public void GetOrCreateCaKey_TwiceAndFromAnotherInstance_SamePublicKey()
    {
        var store = NewStore();
        var first = Open(store).GetOrCreateCaKey("root");

        var again = Open(store).GetOrCreateCaKey("root");
        var elsewhere = OpenFromAnotherProcess(store).GetOrCreateCaKey("root");
        var otherLabel = Open(store).GetOrCreateCaKey("issuing");

        Assert.Equal(HashAlgorithmName.SHA384, first.HashAlgorithm);
        Assert.Equal(first.PublicKey.EncodedKeyValue.RawData, again.PublicKey.EncodedKeyValue.RawData);
        Assert.Equal(first.PublicKey.EncodedKeyValue.RawData, elsewhere.PublicKey.EncodedKeyValue.RawData);
        Assert.NotEqual(first.PublicKey.EncodedKeyValue.RawData, otherLabel.PublicKey.EncodedKeyValue.RawData);
        using var publicKey = first.PublicKey.GetECDsaPublicKey()!;
        Assert.Equal(384, publicKey.KeySize);
    }

    [Fact]
    public void CaSignatureGenerator_SignData_VerifiesAsDerEcdsaWithSha384()
    {
        var ca = Open(NewStore()).GetOrCreateCaKey("root");
        var data = RandomNumberGenerator.GetBytes(1000);

        var signature = ca.SignatureGenerator.SignData(data, HashAlgorithmName.SHA384);

        using var publicKey = ca.PublicKey.GetECDsaPublicKey()!;
        Assert.True(publicKey.VerifyData(data, signature, HashAlgorithmName.SHA384, DSASignatureFormat.Rfc3279DerSequence));
        Assert.Equal(Convert.FromHexString("300A06082A8648CE3D040303"), ca.SignatureGenerator.GetSignatureAlgorithmIdentifier(HashAlgorithmName.SHA384));
    }

    [Fact]
    public void CaKey_SelfSignedCaAndLeaf_ChainVerifies()
    {
        var ca = Open(NewStore()).GetOrCreateCaKey("root");
        using var caCertificate = CreateCaCertificate(ca);
        using var leafKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var leaf = CreateLeafCertificate(ca, caCertificate, leafKey);

        Assert.Equal("1.2.840.10045.4.3.3", caCertificate.SignatureAlgorithm.Value);
        Assert.Equal(ca.PublicKey.EncodedKeyValue.RawData, caCertificate.PublicKey.EncodedKeyValue.RawData);
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(caCertificate);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        Assert.True(chain.Build(leaf), string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation)));
        Assert.Equal(2, chain.ChainElements.Count);
    }

    [Fact]
    public void CaKey_LeafSignedByIt_OpensslVerifies()
    {
        var ca = Open(NewStore()).GetOrCreateCaKey("root");
        using var caCertificate = CreateCaCertificate(ca);
        using var leafKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var leaf = CreateLeafCertificate(ca, caCertificate, leafKey);
        var folder = Directory.CreateTempSubdirectory("keyward-openssl-");
        try
        {
            File.WriteAllText(Path.Combine(folder.FullName, "ca.pem"), caCertificate.ExportCertificatePem());
            File.WriteAllText(Path.Combine(folder.FullName, "leaf.pem"), leaf.ExportCertificatePem());

            var (exitCode, output) = Run("openssl", folder.FullName, "verify", "-x509_strict", "-CAfile", "ca.pem", "leaf.pem");

            Assert.True(exitCode == 0, output);
            Assert.Contains("leaf.pem: OK", output, StringComparison.Ordinal);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    public void Dispose()
    {
        foreach (var protector in _opened)
        {
            protector.Dispose();
        }

        Dispose(disposing: true);
        GC.SuppressFinalize(this);
    }

    /// <summary>An empty store of this kind, for one test.</summary>
    protected abstract string NewStore();

    /// <summary>A protector on <paramref name="store"/> in this process (creating its first storage key if needed).</summary>
    protected abstract IKeyProtector OpenProtector(string store);

    /// <summary>A protector on the same <paramref name="store"/> as another server process would open it.</summary>
    protected abstract IKeyProtector OpenProtectorFromAnotherProcess(string store);

    /// <summary>A protector of another deployment: other storage keys altogether.</summary>
    protected abstract IKeyProtector OpenUnrelatedProtector();

    protected virtual void Dispose(bool disposing)
    {
    }

    private static X509Certificate2 CreateCaCertificate(ICaSigningKey ca)
    {
        var subject = new X500DistinguishedName("CN=Keyward Test CA, O=Keyward");
        var request = new CertificateRequest(subject, ca.PublicKey, ca.HashAlgorithm);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: true, hasPathLengthConstraint: true, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, critical: true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(ca.PublicKey, critical: false));
        var now = DateTimeOffset.UtcNow;
        return request.Create(subject, ca.SignatureGenerator, now.AddHours(-1), now.AddYears(5), RandomNumberGenerator.GetBytes(16));
    }

    private static X509Certificate2 CreateLeafCertificate(ICaSigningKey ca, X509Certificate2 caCertificate, ECDsa leafKey)
    {
        var request = new CertificateRequest("CN=alice@example.org", leafKey, ca.HashAlgorithm);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: false, hasPathLengthConstraint: false, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(caCertificate, includeKeyIdentifier: true, includeIssuerAndSerial: false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        var now = DateTimeOffset.UtcNow;
        return request.Create(caCertificate.SubjectName, ca.SignatureGenerator, now.AddMinutes(-5), now.AddDays(30), RandomNumberGenerator.GetBytes(16));
    }

    private static (int ExitCode, string Output) Run(string program, string workingDirectory, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output.Result + error);
    }

    private IKeyProtector Open(string store) => Track(OpenProtector(store));

    private IKeyProtector OpenFromAnotherProcess(string store) => Track(OpenProtectorFromAnotherProcess(store));

    private IKeyProtector OpenUnrelated() => Track(OpenUnrelatedProtector());

    private IKeyProtector Track(IKeyProtector protector)
    {
        _opened.Add(protector);
        return protector;
    }
}
