using System.Globalization;
using System.Net;
using System.Text.Json;
using Keyward.Server.Tests.Infrastructure;

namespace Keyward.Server.Tests.Problems;

/// <summary>
/// Finding 8: <c>page=2147483647</c> overflowed the offset and answered 500. Every list route of the Core API (found
/// from the server's routes, so a new list is covered) answers any 32-bit <c>page</c> and <c>pageSize</c> with 200,
/// an empty page past the end, and anything else with a 400 problem.
/// </summary>
public sealed class PagingTests(DemoServerFixture fixture) : IClassFixture<DemoServerFixture>
{
    private static readonly string[] Extremes = ["2147483647", "-2147483648", "-1", "0", "1"];

    [Fact]
    public async Task ListRoutes_ExtremePageAndPageSize_AnswerOkOrProblemNeverServerError()
    {
        var server = fixture.Server;
        using var admin = await server.SignInAsync("admin");
        var carolId = await Json.PersonIdAsync(admin, "carol");
        var lists = ApiRoutes.Of(server.App.Services).Where(r => r.Method == "GET" && r.Query.ContainsKey("page") && r.Query.ContainsKey("pageSize")).ToList();
        Assert.True(lists.Count >= 6, $"Expected the list routes of people, certificates, devices, requests, profiles and audit; found {string.Join(", ", lists)}.");

        var failures = new List<string>();
        var cases = 0;
        foreach (var route in lists)
        {
            var address = route.Address(_ => carolId);
            foreach (var page in Extremes)
            {
                foreach (var size in Extremes)
                {
                    cases++;
                    var query = $"{address}?page={page}&pageSize={size}";
                    using var response = await admin.GetAsync(new Uri(query, UriKind.Relative));
                    var body = await response.Content.ReadAsStringAsync();
                    if (response.StatusCode != HttpStatusCode.OK)
                    {
                        failures.Add($"{query}: {(int)response.StatusCode} {body}");
                        continue;
                    }

                    var list = JsonDocument.Parse(body).RootElement;
                    var expectedPage = int.Parse(page, CultureInfo.InvariantCulture) < 1 ? 1 : int.Parse(page, CultureInfo.InvariantCulture);
                    if (list.GetProperty("page").GetInt32() != expectedPage || list.GetProperty("pageSize").GetInt32() is < 1 or > 500)
                    {
                        failures.Add($"{query}: page {list.GetProperty("page")}, pageSize {list.GetProperty("pageSize")}");
                    }

                    if (page == "2147483647" && list.GetProperty("results").GetArrayLength() != 0)
                    {
                        failures.Add($"{query}: a page past the end is empty, got {list.GetProperty("results").GetArrayLength()} results");
                    }
                }
            }
        }

        Assert.True(failures.Count == 0, $"{failures.Count} of {cases} answers were wrong:\n{string.Join('\n', failures)}");
    }

    [Theory]
    [InlineData("page=2147483648")]
    [InlineData("pageSize=-2147483649")]
    [InlineData("page=99999999999999999999")]
    [InlineData("page=1.5")]
    [InlineData("page=")]
    public async Task ListPeople_PageOutsideInt32_AnswersInvalidParameter(string query)
    {
        using var admin = await fixture.Server.SignInAsync("admin");

        using var response = await admin.GetAsync(new Uri($"/api/people?{query}", UriKind.Relative));

        await Json.ProblemAsync(response, HttpStatusCode.BadRequest, "request.invalid_parameter");
    }
}
