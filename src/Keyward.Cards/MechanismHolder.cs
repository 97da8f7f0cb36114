using Net.Pkcs11Interop.Common;
using Net.Pkcs11Interop.HighLevelAPI;

namespace Keyward.Cards;

/// <summary>A mechanism with its parameters, both released together.</summary>
internal sealed class MechanismHolder(CKM type, Net.Pkcs11Interop.HighLevelAPI.MechanismParams.IMechanismParams parameters) : IDisposable
{
    public IMechanism Mechanism { get; } = Keyward.Tokens.Pkcs11.Pkcs11Module.Factories.MechanismFactory.Create(type, parameters);

    public void Dispose()
    {
        Mechanism.Dispose();
        (parameters as IDisposable)?.Dispose();
    }
}
