namespace Keyward.Common;

/// <summary>
/// A caller's input outside what a use case or an adapter takes, whichever of them checks it: one code, so the API,
/// the web pages and the CLI answer a bad value alike.
/// </summary>
public static class InputErrors
{
    public static readonly Error InvalidParameter = new("request.invalid_parameter", ErrorKind.Validation, "Invalid parameter", "A route or query parameter has the wrong format.");
}
