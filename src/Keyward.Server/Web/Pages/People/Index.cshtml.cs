using Keyward.Common;
using Keyward.People;
using Microsoft.AspNetCore.Mvc;

namespace Keyward.Server.Web.Pages.People;

/// <summary>Search people within the caller's scope (<see cref="PeopleDirectory.ListAsync"/>).</summary>
public sealed class SearchModel : WebPage
{
    [BindProperty(SupportsGet = true)]
    public string? Q { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Group { get; set; }

    [BindProperty(Name = Pager.Parameter, SupportsGet = true)]
    public int? PageNumber { get; set; }

    public Page<PersonView>? Results { get; private set; }

    public async Task OnGetAsync()
    {
        var people = HttpContext.RequestServices.GetRequiredService<PeopleDirectory>();
        var found = await people.ListAsync(Access, new PeopleFilter(null, Q, Group), new PageRequest(PageNumber, 20), HttpContext.RequestAborted);
        if (found.IsSuccess)
        {
            Results = found.Value;
        }
        else
        {
            Refusal = found.Error.Detail;
        }
    }
}
