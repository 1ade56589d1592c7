// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";
import {ERC721URIStorage} from "@openzeppelin/contracts/token/ERC721/extensions/ERC721URIStorage.sol";

/// A test collection with a URI per token. OpenZeppelin's URI storage emits EIP-4906
/// MetadataUpdate on every URI set, mints included. No access control: a test fixture.
contract TestERC721 is ERC721URIStorage {
    constructor() ERC721("Test721", "T721") {}

    function mint(address to, uint256 id, string calldata tokenUri) external {
        _mint(to, id);
        _setTokenURI(id, tokenUri);
    }

    function setTokenURI(uint256 id, string calldata tokenUri) external {
        _setTokenURI(id, tokenUri);
    }

    function burn(uint256 id) external {
        _burn(id);
    }

    /// EIP-4906's batch refresh, e.g. (0, 2^256 - 1) for the whole collection.
    function refresh(uint256 fromId, uint256 toId) external {
        emit BatchMetadataUpdate(fromId, toId);
    }
}
