// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";
import {IERC4906} from "@openzeppelin/contracts/interfaces/IERC4906.sol";
import {IERC165} from "@openzeppelin/contracts/utils/introspection/IERC165.sol";

/// tokenURI = base + id, and many mints per transaction: a large collection, cheaply. Its base
/// changes silently; a refresh (EIP-4906's batch event) announces it separately.
contract BulkERC721 is ERC721, IERC4906 {
    string private base;

    constructor(string memory base_) ERC721("Bulk721", "B721") {
        base = base_;
    }

    function _baseURI() internal view override returns (string memory) {
        return base;
    }

    function mintRange(address to, uint256 firstId, uint256 count) external {
        for (uint256 i = 0; i < count; ++i) {
            _mint(to, firstId + i);
        }
    }

    function setBase(string calldata base_) external {
        base = base_;
    }

    function refresh(uint256 fromId, uint256 toId) external {
        emit BatchMetadataUpdate(fromId, toId);
    }

    function supportsInterface(bytes4 id) public view override(ERC721, IERC165) returns (bool) {
        return id == bytes4(0x49064906) || super.supportsInterface(id);
    }
}
