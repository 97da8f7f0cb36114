using System.Collections.Concurrent;
using System.Security.Cryptography;
using Keyward.Crypto.KeyArchive;
using Keyward.Crypto.Protection;
using Keyward.Tokens.Protection;
using Keyward.Tokens.Tests.Support;
using Microsoft.Extensions.Time.Testing;
using Net.Pkcs11Interop.Common;

namespace Keyward.Tokens.Tests.Protection;

/// <summary>What only the PKCS#11 protector promises: key attributes on the token, sharing one HSM between processes, login.</summary>
public sealed class Pkcs11KeyProtectorTests(SoftHsmFixture hsm) : IClassFixture<SoftHsmFixture>
{
    private static readonly CertificateBinding Binding = new("cert-42", Convert.ToHexStringLower(SHA256.HashData("certificate 42"u8)));

    [Fact]
    public void Open_UnknownTokenLabel_RefusedNamingTheLabel()
    {
        var options = hsm.Options(SoftHsmFixture.NewPrefix(), tokenLabel: "no-such-token");

        var failure = Assert.Throws<KeyArchiveException>(() => Pkcs11KeyProtector.Open(options));

        Assert.Equal(KeyArchiveFailure.ProtectorRefused, failure.Failure);
        Assert.Contains("'no-such-token'", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_AnotherTokenDeletedWhileTheModuleIsLoaded_FindsItsOwnToken()
    {
        // The module lists slots once it is loaded; a token deleted since then answers C_GetTokenInfo with an error.
        // Looking for one token must not fail because another went away (a card pulled, a test's token removed).
        var modulePath = hsm.NewProcessModulePath();
        var doomed = SoftHsmFixture.InitToken();
        using var first = Pkcs11KeyProtector.Open(hsm.Options(SoftHsmFixture.NewPrefix(), modulePath: modulePath));
        SoftHsmFixture.DeleteToken(doomed);

        using var second = Pkcs11KeyProtector.Open(hsm.Options(SoftHsmFixture.NewPrefix(), modulePath: modulePath));
        var made = second.CreateStorageKey();

        Assert.Equal(made, second.ActiveStorageKeyId);
    }

    [Fact]
    public void Open_WrongPin_RefusedWithoutShowingThePin()
    {
        var good = hsm.Options(SoftHsmFixture.NewPrefix());
        var options = new Pkcs11KeyProtectorOptions { ModulePath = good.ModulePath, TokenLabel = good.TokenLabel, UserPin = "wrong-pin-1234", KeyLabelPrefix = good.KeyLabelPrefix };

        var failure = Assert.Throws<KeyArchiveException>(() => Pkcs11KeyProtector.Open(options));

        Assert.Equal(KeyArchiveFailure.ProtectorRefused, failure.Failure);
        Assert.Contains("CKR_PIN_INCORRECT", failure.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("wrong-pin-1234", failure.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("wrong-pin-1234", options.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void CreateStorageKey_OnTheToken_SensitiveNonExtractableAndOnlyWraps()
    {
        var prefix = SoftHsmFixture.NewPrefix();
        using var protector = Pkcs11KeyProtector.Open(hsm.Options(prefix));
        var id = protector.CreateStorageKey();

        using var token = new TokenInspector(hsm.ModulePath, hsm.TokenLabel);
        var key = Assert.Single(token.Find(CKO.CKO_SECRET_KEY, $"{prefix}-storage-{id}"));
        Assert.True(token.Bool(key, CKA.CKA_TOKEN));
        Assert.True(token.Bool(key, CKA.CKA_PRIVATE));
        Assert.True(token.Bool(key, CKA.CKA_SENSITIVE));
        Assert.False(token.Bool(key, CKA.CKA_EXTRACTABLE));
        Assert.True(token.Bool(key, CKA.CKA_NEVER_EXTRACTABLE));
        Assert.True(token.Bool(key, CKA.CKA_WRAP));
        Assert.True(token.Bool(key, CKA.CKA_UNWRAP));
        Assert.False(token.Bool(key, CKA.CKA_ENCRYPT));
        Assert.False(token.Bool(key, CKA.CKA_DECRYPT));
        Assert.True(token.CannotBeRead(key, CKA.CKA_VALUE));
        Assert.Single(token.Find(CKO.CKO_DATA, $"{prefix}-active-storage-key"));
    }

    [Fact]
    public void GetOrCreateCaKey_PrivateHalf_SensitiveNonExtractableAndOnlySigns()
    {
        var prefix = SoftHsmFixture.NewPrefix();
        using var protector = Pkcs11KeyProtector.Open(hsm.Options(prefix));
        protector.GetOrCreateCaKey("root");

        using var token = new TokenInspector(hsm.ModulePath, hsm.TokenLabel);
        var key = Assert.Single(token.Find(CKO.CKO_PRIVATE_KEY, $"{prefix}-ca-root"));
        Assert.Single(token.Find(CKO.CKO_PUBLIC_KEY, $"{prefix}-ca-root"));
        Assert.True(token.Bool(key, CKA.CKA_TOKEN));
        Assert.True(token.Bool(key, CKA.CKA_SENSITIVE));
        Assert.False(token.Bool(key, CKA.CKA_EXTRACTABLE));
        Assert.True(token.Bool(key, CKA.CKA_SIGN));
        Assert.False(token.Bool(key, CKA.CKA_DECRYPT));
        Assert.False(token.Bool(key, CKA.CKA_DERIVE));
        Assert.True(token.CannotBeRead(key, CKA.CKA_VALUE));
    }

    [Fact]
    public void WrapDataKey_AnotherProcessRotated_UsesTheNewKeyOnceASecondHasPassed()
    {
        var prefix = SoftHsmFixture.NewPrefix();
        var clock = new FakeTimeProvider();
        using var a = Pkcs11KeyProtector.Open(hsm.Options(prefix));
        using var b = Pkcs11KeyProtector.Open(hsm.Options(prefix, anotherProcess: true, time: clock));
        var before = b.ActiveStorageKeyId;

        var rotated = a.CreateStorageKey();
        var (_, withinTheSecond) = ArchiveEnvelope.Seal(b, TestKeys.Pkcs8("ecdsa-p256"), Binding);
        clock.Advance(TimeSpan.FromSeconds(1));
        var (envelope, afterTheSecond) = ArchiveEnvelope.Seal(b, TestKeys.Pkcs8("ecdsa-p256"), Binding);

        Assert.Equal(before, withinTheSecond);
        Assert.Equal(rotated, afterTheSecond);
        Assert.Equal(rotated, b.ActiveStorageKeyId);
        Assert.Equal(TestKeys.Pkcs8("ecdsa-p256"), ArchiveEnvelope.Open(a, envelope, Binding));
    }

    [Fact]
    public void UnwrapDataKey_KeyRetiredByAnotherProcess_UnknownStorageKey()
    {
        // A has the old key's handle cached; B retires the key. A must not go on unwrapping with it.
        var prefix = SoftHsmFixture.NewPrefix();
        using var a = Pkcs11KeyProtector.Open(hsm.Options(prefix));
        using var b = Pkcs11KeyProtector.Open(hsm.Options(prefix, anotherProcess: true));
        var (envelope, oldId) = ArchiveEnvelope.Seal(a, TestKeys.Pkcs8("ecdsa-p256"), Binding);
        Assert.Equal(TestKeys.Pkcs8("ecdsa-p256"), ArchiveEnvelope.Open(a, envelope, Binding));

        a.CreateStorageKey();
        b.RetireStorageKey(oldId);

        var failure = Assert.Throws<KeyArchiveException>(() => ArchiveEnvelope.Open(a, envelope, Binding));
        Assert.Equal(KeyArchiveFailure.UnknownStorageKey, failure.Failure);
        Assert.DoesNotContain(oldId, a.StorageKeyIds);
    }

    [Fact]
    public void RetireStorageKey_KeyMadeActiveByAnotherProcess_Refused()
    {
        var prefix = SoftHsmFixture.NewPrefix();
        using var a = Pkcs11KeyProtector.Open(hsm.Options(prefix));
        using var b = Pkcs11KeyProtector.Open(hsm.Options(prefix, anotherProcess: true));
        _ = a.ActiveStorageKeyId;

        var activeNow = b.CreateStorageKey();

        Assert.Equal(KeyArchiveFailure.ProtectorRefused, Assert.Throws<KeyArchiveException>(() => a.RetireStorageKey(activeNow)).Failure);
    }

    [Fact]
    public void CreateStorageKey_TwoProcessesAtOnce_ANewProcessPicksOneAndItsRotationLeavesOneMarker()
    {
        // Writes racing within microseconds can each miss the other's marker in SoftHSM (see the README), so two markers
        // may be left; a process that reads them all picks one, and the next rotation removes the rest.
        var prefix = SoftHsmFixture.NewPrefix();
        var clockA = new FakeTimeProvider();
        var clockB = new FakeTimeProvider();
        using var a = Pkcs11KeyProtector.Open(hsm.Options(prefix, time: clockA));
        using var b = Pkcs11KeyProtector.Open(hsm.Options(prefix, anotherProcess: true, time: clockB));
        using var start = new Barrier(2);
        var created = new ConcurrentBag<string>();
        Parallel.Invoke(
            () => { start.SignalAndWait(); created.Add(a.CreateStorageKey()); },
            () => { start.SignalAndWait(); created.Add(b.CreateStorageKey()); });

        using var late = Pkcs11KeyProtector.Open(hsm.Options(prefix, modulePath: hsm.NewProcessModulePath()));
        Assert.Contains(late.ActiveStorageKeyId, created);
        Assert.Superset(created.ToHashSet(), late.StorageKeyIds.ToHashSet());
        var next = late.CreateStorageKey();
        var (envelope, _) = ArchiveEnvelope.Seal(late, TestKeys.Pkcs8("ecdsa-p256"), Binding);
        clockA.Advance(TimeSpan.FromSeconds(1));
        clockB.Advance(TimeSpan.FromSeconds(1));

        using var token = new TokenInspector(hsm.ModulePath, hsm.TokenLabel);
        Assert.Single(token.Find(CKO.CKO_DATA, $"{prefix}-active-storage-key"));
        Assert.Equal(next, a.ActiveStorageKeyId);
        Assert.Equal(next, b.ActiveStorageKeyId);
        Assert.Equal(TestKeys.Pkcs8("ecdsa-p256"), ArchiveEnvelope.Open(a, envelope, Binding));
        Assert.Equal(TestKeys.Pkcs8("ecdsa-p256"), ArchiveEnvelope.Open(b, envelope, Binding));
    }

    [Fact]
    public void CreateStorageKey_AfterAnotherProcessRotatedUnseen_StillSeesItsKey()
    {
        // SoftHSM's file store notices another application's writes only when it searches, and a token write of its
        // own made before that search hides them for good. A rotates after B did, without having searched since.
        var prefix = SoftHsmFixture.NewPrefix();
        using var a = Pkcs11KeyProtector.Open(hsm.Options(prefix));
        using var b = Pkcs11KeyProtector.Open(hsm.Options(prefix, anotherProcess: true));
        var fromB = b.CreateStorageKey();
        var (envelope, _) = ArchiveEnvelope.Seal(b, TestKeys.Pkcs8("ecdsa-p256"), Binding);

        var fromA = a.CreateStorageKey();

        Assert.Contains(fromB, a.StorageKeyIds);
        Assert.Equal(TestKeys.Pkcs8("ecdsa-p256"), ArchiveEnvelope.Open(a, envelope, Binding));
        Assert.Equal(fromA, a.ActiveStorageKeyId);
    }

    [Fact]
    public void WrapAndUnwrap_ManyThreads_EveryDataKeyComesBack()
    {
        using var protector = Pkcs11KeyProtector.Open(hsm.Options(SoftHsmFixture.NewPrefix()));
        var failures = new ConcurrentBag<string>();

        Parallel.For(0, 400, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
        {
            var dataKey = RandomNumberGenerator.GetBytes(32);
            var wrapped = protector.WrapDataKey(dataKey, out var id);
            if (!protector.UnwrapDataKey(id, wrapped).AsSpan().SequenceEqual(dataKey))
            {
                failures.Add($"data key {i} came back different");
            }
        });

        Assert.Empty(failures);
    }

    [Fact]
    public void KeyLabelPrefixes_OnOneToken_AreSeparateStores()
    {
        using var first = Pkcs11KeyProtector.Open(hsm.Options(SoftHsmFixture.NewPrefix()));
        using var second = Pkcs11KeyProtector.Open(hsm.Options(SoftHsmFixture.NewPrefix()));
        var (envelope, _) = ArchiveEnvelope.Seal(first, TestKeys.Pkcs8("ecdsa-p256"), Binding);

        Assert.Empty(first.StorageKeyIds.Intersect(second.StorageKeyIds));
        Assert.Equal(KeyArchiveFailure.UnknownStorageKey, Assert.Throws<KeyArchiveException>(() => ArchiveEnvelope.Open(second, envelope, Binding)).Failure);
    }

    [Fact]
    public void Dispose_OneOfTwoProtectorsOnTheSameModule_TheOtherKeepsWorking()
    {
        var prefix = SoftHsmFixture.NewPrefix();
        var first = Pkcs11KeyProtector.Open(hsm.Options(prefix));
        using var second = Pkcs11KeyProtector.Open(hsm.Options(prefix));
        var (envelope, _) = ArchiveEnvelope.Seal(first, TestKeys.Pkcs8("ecdsa-p256"), Binding);

        first.Dispose();

        Assert.Equal(TestKeys.Pkcs8("ecdsa-p256"), ArchiveEnvelope.Open(second, envelope, Binding));
        Assert.Throws<ObjectDisposedException>(() => first.WrapDataKey(new byte[32], out _));
    }

    [Fact]
    public void UnwrapDataKey_MalformedStorageKeyId_UnknownWithoutAskingTheToken()
    {
        using var protector = Pkcs11KeyProtector.Open(hsm.Options(SoftHsmFixture.NewPrefix()));

        var failure = Assert.Throws<KeyArchiveException>(() => protector.UnwrapDataKey("sk-*", new byte[40]));

        Assert.Equal(KeyArchiveFailure.UnknownStorageKey, failure.Failure);
    }
}
