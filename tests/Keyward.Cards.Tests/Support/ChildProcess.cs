using System.Diagnostics;

namespace Keyward.Cards.Tests.Support;

/// <summary>
/// The test assembly run as a program (<c>dotnet Keyward.Cards.Tests.dll …</c>): token work that needs a SoftHSM token
/// folder of its own, which only a process started with its own <c>SOFTHSM2_CONF</c> can have.
/// </summary>
/// <remarks>
/// Initialising a blank token takes SoftHSM's one free slot, which every process using the same token folder shares;
/// the other test classes initialise tokens in it at the same time. A child with a private folder has a free slot
/// nobody else can take.
/// </remarks>
public static class ChildProcess
{
    public const string InitializeCommand = "initialize-blank-token";

    public static int Main(string[] args)
    {
        if (args is not [InitializeCommand, var module, var label, var soPin, var userPin])
        {
            Console.Error.WriteLine($"usage: {InitializeCommand} MODULE LABEL SO-PIN USER-PIN (the test runner runs the tests)");
            return 2;
        }

        try
        {
            using var cards = CardModule.Load(module);
            var before = cards.Tokens();
            using var card = cards.Open(null);
            card.Initialize(label, soPin, userPin);
            Console.WriteLine($"before={before.Count}:{before[0].Initialized}");
            Console.WriteLine($"label={card.Description.Label}");
            Console.WriteLine($"initialized={card.Description.Initialized}");
            Console.WriteLine($"userPinInitialized={card.Description.UserPinInitialized}");
            Console.WriteLine($"contents={card.Contents().Certificates.Count}");
            return 0;
        }
        catch (CardException ex)
        {
            Console.Error.WriteLine($"{ex.Problem}: {ex.Message}");
            return 1;
        }
    }

    /// <summary>Runs this assembly as a child with the given environment; its standard output.</summary>
    public static string Run(IDictionary<string, string> environment, params string[] arguments)
    {
        var assembly = typeof(ChildProcess).Assembly.Location;
        var dotnet = Environment.ProcessPath is { } host && Path.GetFileNameWithoutExtension(host) == "dotnet" ? host : "dotnet";
        return SoftHsmTokens.Run(dotnet, [assembly, .. arguments], environment);
    }
}
