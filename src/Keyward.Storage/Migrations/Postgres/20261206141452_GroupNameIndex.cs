using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Keyward.Storage.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class GroupNameIndex : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_People_SearchName",
                table: "People");

            migrationBuilder.CreateIndex(
                name: "IX_People_GroupId_SearchName",
                table: "People",
                columns: new[] { "GroupId", "SearchName" });

            migrationBuilder.CreateIndex(
                name: "IX_People_SearchName",
                table: "People",
                column: "SearchName")
                .Annotation("Npgsql:IndexInclude", new[] { "GroupId", "LogonName" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_People_GroupId_SearchName",
                table: "People");

            migrationBuilder.DropIndex(
                name: "IX_People_SearchName",
                table: "People");

            migrationBuilder.CreateIndex(
                name: "IX_People_SearchName",
                table: "People",
                column: "SearchName");
        }
    }
}
