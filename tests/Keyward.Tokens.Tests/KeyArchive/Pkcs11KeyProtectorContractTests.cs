using Keyward.Crypto.Protection;
using Keyward.Tokens.Protection;
using Keyward.Tokens.Tests.Support;

namespace Keyward.Tokens.Tests.KeyArchive;

/// <summary>
/// The archive contract on the PKCS#11 protector, against a real SoftHSM2 token. Each test's store is a key label
/// prefix of its own on the class's token; "another process" is a second, separately loaded copy of the module.
/// </summary>
public sealed class Pkcs11KeyProtectorContractTests(SoftHsmFixture hsm) : KeyProtectorContractTests, IClassFixture<SoftHsmFixture>
{
    protected override string NewStore() => SoftHsmFixture.NewPrefix();

    protected override IKeyProtector OpenProtector(string store) => Pkcs11KeyProtector.Open(hsm.Options(store));

    protected override IKeyProtector OpenProtectorFromAnotherProcess(string store) => Pkcs11KeyProtector.Open(hsm.Options(store, anotherProcess: true));

    // Another deployment's HSM: a different token, and the default prefix.
    protected override IKeyProtector OpenUnrelatedProtector() =>
        Pkcs11KeyProtector.Open(hsm.Options(Pkcs11KeyProtectorOptions.DefaultKeyLabelPrefix, tokenLabel: hsm.OtherTokenLabel));
}
