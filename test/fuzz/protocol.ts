/** What the fuzz harness and its in-process CLI child (cli-child.ts) say to each other. */
export interface ChildRequest {
  id: number;
  argv: string[];
}

export interface ChildReply {
  id: number;
  code: number;
  /** Set when runCli itself threw (it never should). */
  threw?: string;
}

export const beginMarker = (id: number) => `@@edgebench-fuzz-begin ${id}@@\n`;
export const endMarker = (id: number) => `@@edgebench-fuzz-end ${id}@@\n`;
