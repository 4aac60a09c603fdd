// "Not found" for an unknown project or run: says what was asked for and links back,
// instead of an empty workspace or a raw HTTP error.
import Link from "./Link";

export interface NotFoundProps {
  what: "Project" | "Run";
  name: string;
  detail: string;
  back: { href: string; label: string };
}

export default function NotFound({ what, name, detail, back }: NotFoundProps) {
  return (
    <div className="page not-found" data-testid="not-found" role="alert">
      <h2>{what} not found</h2>
      <p>
        <code>{name}</code> {detail}
      </p>
      <p>
        <Link href={back.href}>{back.label}</Link>
      </p>
    </div>
  );
}
