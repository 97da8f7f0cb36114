using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Keyward.Server.Hosting;

/// <summary>Describes the OAuth 2.0 client-credentials scheme in the OpenAPI document.</summary>
internal sealed class BearerSecurityTransformer : IOpenApiDocumentTransformer
{
    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(document);
        document.Info.Title = "Keyward Core API";
        document.Info.Description = "Key archival and recovery. Obtain a token at /connect/token (client credentials) and send it as a Bearer token.";
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes["oauth2"] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.OAuth2,
            Flows = new OpenApiOAuthFlows
            {
                ClientCredentials = new OpenApiOAuthFlow { TokenUrl = new Uri("/connect/token", UriKind.Relative) },
            },
        };
        return Task.CompletedTask;
    }
}
