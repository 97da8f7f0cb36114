using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Keyward.Storage.Migrations.Postgres
{
    /// <summary>
    /// PostgreSQL keeps 10 most-common values of <c>Requests.TargetGroupId</c> instead of the default 100. A wide reach's
    /// requests are asked as <c>"TargetGroupId" = ANY (@groups)</c> with every group of the reach (a Division: hundreds),
    /// and the planner estimates each element against each most-common value every time it plans: about 2 ms a query at
    /// 782 groups, more than the query itself. Nothing else asks of the column — a narrow reach finds its requests
    /// through People (docs/scopes.md, "Requests in a reach") — and its estimate does not change the wide reach's plan
    /// (walk the requests in order, test each row), so the column needs no finer statistics (docs/performance.md,
    /// "Planning a wide reach's requests").
    /// </summary>
    public partial class RequestTargetGroupFewerStatistics : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""ALTER TABLE "Requests" ALTER COLUMN "TargetGroupId" SET STATISTICS 10;""");
            migrationBuilder.Sql("""ANALYZE "Requests";""");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""ALTER TABLE "Requests" ALTER COLUMN "TargetGroupId" SET STATISTICS -1;""");
            migrationBuilder.Sql("""ANALYZE "Requests";""");
        }
    }
}
