using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Keyward.Storage.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class DisabledPeopleIndex : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateIndex(
                name: "IX_People_Disabled",
                table: "People",
                column: "Id",
                filter: "NOT \"Enabled\"");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_People_Disabled",
                table: "People");
        }
    }
}
