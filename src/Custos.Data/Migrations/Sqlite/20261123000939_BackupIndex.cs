using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Custos.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class BackupIndex : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "BackedUpMessages",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    OrganizationId = table.Column<Guid>(type: "TEXT", nullable: false),
                    MailboxId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Folder = table.Column<string>(type: "TEXT", maxLength: 1000, nullable: false),
                    UidValidity = table.Column<long>(type: "INTEGER", nullable: false),
                    Uid = table.Column<long>(type: "INTEGER", nullable: false),
                    StoredMessageId = table.Column<Guid>(type: "TEXT", nullable: false),
                    SealedHeaders = table.Column<byte[]>(type: "BLOB", nullable: false),
                    Date = table.Column<long>(type: "INTEGER", nullable: true),
                    LogicalBytes = table.Column<long>(type: "INTEGER", nullable: false),
                    BackedUpAt = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_BackedUpMessages", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_BackedUpMessages_MailboxId_Folder_UidValidity_Uid",
                table: "BackedUpMessages",
                columns: new[] { "MailboxId", "Folder", "UidValidity", "Uid" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_BackedUpMessages_OrganizationId_MailboxId_Folder_Date",
                table: "BackedUpMessages",
                columns: new[] { "OrganizationId", "MailboxId", "Folder", "Date" });

            migrationBuilder.CreateIndex(
                name: "IX_BackedUpMessages_StoredMessageId",
                table: "BackedUpMessages",
                column: "StoredMessageId");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "BackedUpMessages");
        }
    }
}
