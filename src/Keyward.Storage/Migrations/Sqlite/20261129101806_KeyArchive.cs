using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Keyward.Storage.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class KeyArchive : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<int>(
                name: "RevocationReason",
                table: "Certificates",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<DateTime>(
                name: "RevokedAt",
                table: "Certificates",
                type: "TEXT",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "ArchivedKeys",
                columns: table => new
                {
                    Id = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    CertificateId = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    StorageKeyId = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    Envelope = table.Column<byte[]>(type: "BLOB", nullable: false),
                    ArchivedAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    ConcurrencyStamp = table.Column<Guid>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ArchivedKeys", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "CertificateAuthorities",
                columns: table => new
                {
                    Id = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    KeyLabel = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    Subject = table.Column<string>(type: "TEXT", maxLength: 1000, nullable: false),
                    RawData = table.Column<byte[]>(type: "BLOB", nullable: false),
                    NotAfter = table.Column<DateTime>(type: "TEXT", nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_CertificateAuthorities", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_Certificates_ArchivedKeyId",
                table: "Certificates",
                column: "ArchivedKeyId",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_Certificates_Status_IsExternal",
                table: "Certificates",
                columns: new[] { "Status", "IsExternal" });

            migrationBuilder.CreateIndex(
                name: "IX_ArchivedKeys_CertificateId",
                table: "ArchivedKeys",
                column: "CertificateId",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_ArchivedKeys_StorageKeyId",
                table: "ArchivedKeys",
                column: "StorageKeyId");

            migrationBuilder.CreateIndex(
                name: "IX_CertificateAuthorities_KeyLabel",
                table: "CertificateAuthorities",
                column: "KeyLabel",
                unique: true);

            migrationBuilder.AddForeignKey(
                name: "FK_Certificates_ArchivedKeys_ArchivedKeyId",
                table: "Certificates",
                column: "ArchivedKeyId",
                principalTable: "ArchivedKeys",
                principalColumn: "Id",
                onDelete: ReferentialAction.Restrict);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropForeignKey(
                name: "FK_Certificates_ArchivedKeys_ArchivedKeyId",
                table: "Certificates");

            migrationBuilder.DropTable(
                name: "ArchivedKeys");

            migrationBuilder.DropTable(
                name: "CertificateAuthorities");

            migrationBuilder.DropIndex(
                name: "IX_Certificates_ArchivedKeyId",
                table: "Certificates");

            migrationBuilder.DropIndex(
                name: "IX_Certificates_Status_IsExternal",
                table: "Certificates");

            migrationBuilder.DropColumn(
                name: "RevocationReason",
                table: "Certificates");

            migrationBuilder.DropColumn(
                name: "RevokedAt",
                table: "Certificates");
        }
    }
}
